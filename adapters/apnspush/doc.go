// Package apnspush is a driver.Push for Apple Push Notification service
// (APNs): it posts each notification to the APNs provider API over HTTP/2,
// authenticated with a provider token (an ES256 JWT) signed by an APNs
// authentication key.
//
//	push, err := apnspush.New(apnspush.Config{
//		Keys: map[string]apnspush.Key{
//			"main": {TeamID: "ABCDE12345", KeyID: "KEY1234567", PrivateKey: p8},
//		},
//		Bundles: map[string]string{"eu.enmeshed.app": "main"},
//	})
//
// # Configuration
//
// Keys holds the authentication keys by a name of the operator's choice:
// the team ID, the key ID and the .p8 file's content, as PEM or as the
// base64 between its BEGIN and END lines. Bundles maps the bundle ID of each
// app to the name of its key; SupportsApp reports true exactly for these
// bundle IDs, and Send for any other app fails with an error wrapping
// driver.ErrNotDeliverable. New rejects keys it cannot parse (or that are
// not P-256), bundles naming unknown keys and an empty Bundles.
//
// A registration of the environment driver.PushDevelopment is sent to the
// sandbox (DefaultDevelopmentURL), one of driver.PushProduction or of no
// environment to production (DefaultProductionURL); Config overrides both
// base URLs. Without Config.HTTPClient, New makes a client that forces
// HTTP/2 (APNs speaks nothing else), keeps connections open between
// notifications as Apple asks, checks idle ones with pings and gives up on a
// request after 30 seconds; the context given to Send bounds it further.
//
// # Requests
//
// Send posts to BASE/3/device/TOKEN with the headers
//
//	authorization: bearer <provider token>
//	apns-topic: <PushTarget.AppID>
//	apns-expiration: 0     (deliver now or never; APNs does not store it)
//	apns-priority: 5
//	apns-push-type: alert
//	apns-collapse-id: <PushNotification.CollapseID>   (only if not empty)
//
// and the body
//
//	{"content": <PushNotification.Content>,
//	 "aps": {"content-available": "1", "alert": {"title": "…", "body": "…"}}}
//
// as the official clients expect it: content-available is the string "1",
// not a number. A text-only notification (nil Content) has neither content
// nor content-available. An empty Title or Body leaves its key out rather
// than sending an empty string, but alert stays an object, possibly empty
// ({}): the request keeps the shape of an alert notification, which its
// apns-push-type announces, and the clients find aps.alert where they look
// for it; with no text there is nothing for the device to display, and
// content-available still wakes the app. Content must be a JSON object; a
// payload larger than MaxPayloadSize (4 KiB, the APNs limit) is not sent and
// fails with driver.ErrNotDeliverable.
//
// # Provider tokens
//
// The provider token of a key has the header {"alg": "ES256", "kid": KeyID}
// and the claims {"iss": TeamID, "iat": <now in seconds>}. Each key's token
// is signed once and reused by every Send for TokenLifetime, 50 minutes:
// APNs refuses tokens older than 60 minutes (ExpiredProviderToken) and
// answers TooManyProviderTokenUpdates to a provider that renews its token
// more often than every 20 minutes, so 50 minutes renews well inside both
// bounds, leaving ten minutes for clock skew. Concurrent Sends wait for one
// signing rather than each signing a token of its own. When APNs refuses a
// token (403 ExpiredProviderToken or InvalidProviderToken), the token is
// dropped and Send returns a transient error, so the retry signs a new one.
//
// # Errors
//
// Send does not retry. An APNs reply other than 200 is a *ResponseError
// carrying the status, the reason and the apns-id; its message reads
// "apnspush: APNs answered 410 Unregistered …". It wraps
//
//   - driver.ErrInvalidHandle for 410 (Unregistered, ExpiredToken) and 400
//     BadDeviceToken, DeviceTokenNotForTopic or MissingDeviceToken: the
//     token is uninstalled, of the other environment, of another app or
//     garbage, and will never work. An empty Handle fails the same way
//     without a request.
//   - driver.ErrNotDeliverable for the other 400s (PayloadEmpty, BadTopic,
//     MissingTopic, TopicDisallowed, BadCollapseId, …), 413
//     PayloadTooLarge, 403 other than the provider token's (BadCertificate,
//     Forbidden, …), 404 BadPath, 405 and other 4xx: sending the same
//     request again gets the same answer.
//   - nothing, that is it is transient, for 403 ExpiredProviderToken and
//     InvalidProviderToken (after dropping the token), 400 IdleTimeout,
//     429 TooManyRequests and TooManyProviderTokenUpdates, 500, 503 and any
//     other 5xx. With a Retry-After header (delay seconds or an HTTP date,
//     at most an hour is honoured) the *ResponseError comes inside a
//     *driver.RetryAfterError.
//
// Network errors, and the context's cancellation or deadline, are returned
// wrapped (errors.Is finds context.DeadlineExceeded) and are transient; their
// message names the base URL but not the device token. Of an error reply at
// most 4 KiB is read.
package apnspush
