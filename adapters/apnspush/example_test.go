package apnspush_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log"

	"github.com/openbackbone/openbackbone/adapters/apnspush"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

// authKeyP8 stands in for reading the .p8 file of an APNs authentication
// key (os.ReadFile("AuthKey_KEY1234567.p8")), or for the base64 between its
// BEGIN and END lines taken from the configuration.
func authKeyP8() string {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		log.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func ExampleNew() {
	push, err := apnspush.New(apnspush.Config{
		Keys: map[string]apnspush.Key{
			"enmeshed": {TeamID: "ABCDE12345", KeyID: "KEY1234567", PrivateKey: authKeyP8()},
		},
		// Both apps are signed with the team's one key.
		Bundles: map[string]string{
			"eu.enmeshed.app":     "enmeshed",
			"eu.enmeshed.app.dev": "enmeshed",
		},
		// ProductionURL, DevelopmentURL and HTTPClient default to APNs
		// itself over HTTP/2.
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(push.Platform())
	fmt.Println(push.SupportsApp("eu.enmeshed.app"), push.SupportsApp("com.example.other"))

	// An app without a key is refused for good, without a request.
	err = push.Send(context.Background(), driver.PushTarget{
		Handle:      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		AppID:       "com.example.other",
		Environment: driver.PushProduction,
	}, driver.PushNotification{Title: "Hello"})
	fmt.Println(errors.Is(err, driver.ErrNotDeliverable))
	// Output:
	// apns
	// true false
	// true
}

func ExampleNew_invalidConfig() {
	_, err := apnspush.New(apnspush.Config{
		Keys:    map[string]apnspush.Key{"enmeshed": {TeamID: "ABCDE12345", KeyID: "KEY1234567", PrivateKey: authKeyP8()}},
		Bundles: map[string]string{"eu.enmeshed.app": "enmshed"},
	})
	fmt.Println(err)
	// Output:
	// apnspush: bundle "eu.enmeshed.app" names unknown key "enmshed"
}

// Send's error tells the caller what to do with the registration and the
// notification. (Not run: it needs APNs.)
func ExampleProvider_Send() {
	var push driver.Push // an *apnspush.Provider made by New
	var target driver.PushTarget
	var n driver.PushNotification

	err := push.Send(context.Background(), target, n)
	var pause *driver.RetryAfterError
	var reply *apnspush.ResponseError
	switch {
	case err == nil:
	case errors.Is(err, driver.ErrInvalidHandle):
		// 410 Unregistered, 400 BadDeviceToken: remove the registration.
	case errors.Is(err, driver.ErrNotDeliverable):
		// Drop the notification; keep the registration.
	case errors.As(err, &pause):
		// Retry after pause.After at the earliest.
	default:
		// Retry with backoff.
	}
	if errors.As(err, &reply) {
		log.Printf("APNs: status %d, reason %s, apns-id %s", reply.StatusCode, reply.Reason, reply.APNsID)
	}
}
