// Package fcmpush is a driver.Push for Firebase Cloud Messaging (FCM): it
// sends with FCM's HTTP v1 API and authenticates as a Google service account.
//
//	p, err := fcmpush.New(fcmpush.Config{
//		ServiceAccounts: map[string]string{"enmeshed": keyJSON},
//		Apps:            map[string]string{"eu.enmeshed.app": "enmeshed"},
//	})
//
// # Configuration
//
// As in the reference Backbone, service accounts are configured by a name
// of the operator's choosing, each with the JSON key of the account as the
// Google Cloud console downloads it (type "service_account", project_id,
// private_key_id, private_key as PKCS #8 PEM, client_email and token_uri,
// which defaults to https://oauth2.googleapis.com/token). Apps map an app
// ID, as the device registers it, to the name of a service account; the
// account's project_id is the Firebase project messages are sent through.
// New rejects a key that is not valid JSON, lacks one of these fields or
// holds no usable RSA key, and an app naming an unknown account. Its
// errors name the account but never quote the key. SupportsApp is true for
// the configured apps only.
//
// # Authentication
//
// Each service account obtains its access tokens with the OAuth 2.0 JWT
// bearer grant (RFC 7523): it posts to its token_uri an assertion signed
// with RS256 by its private key (kid private_key_id; iss client_email;
// scope https://www.googleapis.com/auth/firebase.messaging; aud token_uri;
// valid for an hour). The token is cached per service account, shared by
// the apps using it, and replaced five minutes before it expires.
// Concurrent sends needing a token share one request for it; a send stops
// waiting when its context ends, while the request carries on (for at most
// 30 seconds) for the others. When FCM rejects the token (HTTP 401,
// UNAUTHENTICATED) it is dropped, so the next send fetches a new one.
//
// # Message
//
// Built as the reference builds it: token is the target's handle;
// notification holds the title and body, leaving out empty ones, and is
// left out when both are empty; data holds android_channel_id "ENMESHED"
// and, when the notification has content, content (the content JSON as a
// string) and content-available "1"; android holds notification.channel_id
// "ENMESHED" and, when the notification has a collapse ID, it as
// notification.tag and collapse_key. The target's environment plays no
// part. A message whose data and text exceed FCM's 4096 bytes is refused
// with driver.ErrNotDeliverable without sending it, since FCM would answer
// INVALID_ARGUMENT (see below).
//
// # Errors
//
// Send does not retry. An error reply of FCM is an *Error, which is judged
// by the errorCode of its FcmError detail or, if it has none, by its
// status, or else by its HTTP status:
//
//   - UNREGISTERED, SENDER_ID_MISMATCH: the token is no longer valid or
//     belongs to another Firebase project: wraps driver.ErrInvalidHandle.
//   - INVALID_ARGUMENT: wraps driver.ErrInvalidHandle, as in the reference,
//     which deletes the registration. FCM gives it for a malformed token,
//     but also for a malformed message; the messages this package builds
//     are well-formed, and too large ones are refused before sending.
//   - THIRD_PARTY_AUTH_ERROR (the project's APNs or web push credentials),
//     PERMISSION_DENIED (HTTP 403: the account may not send for the
//     project): wraps driver.ErrNotDeliverable.
//   - UNAUTHENTICATED (HTTP 401): the access token is dropped; transient.
//   - QUOTA_EXCEEDED (429), UNAVAILABLE (503), INTERNAL (500) and other
//     5xx, 408 and 429 replies: transient; a *driver.RetryAfterError
//     wrapping the *Error when the reply has a Retry-After header (seconds
//     or an HTTP date; at most a day).
//   - Other 4xx replies: wraps driver.ErrNotDeliverable.
//
// A failed token request is an *Error too (Op OpToken): a refused grant
// (invalid_grant, unauthorized_client, invalid_client, any 4xx) means the
// service account cannot be used and wraps driver.ErrNotDeliverable; note
// that Google also answers invalid_grant when the host's clock is far off.
// 408, 429 and 5xx token replies are transient (with Retry-After as above).
// Network errors and ended contexts are transient. A send for an app with
// no service account wraps driver.ErrNotDeliverable, a send to an empty
// handle driver.ErrInvalidHandle.
//
// Every error message starts with "fcmpush:"; those of replies carry the
// HTTP status, the status and the FCM error code. At most 64 KiB of a
// reply is read.
package fcmpush
