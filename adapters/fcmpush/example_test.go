package fcmpush_test

import (
	"context"
	"errors"
	"log"
	"os"

	"github.com/openbackbone/openbackbone/adapters/fcmpush"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func ExampleNew() {
	// The JSON key of a service account of the app's Firebase project, as
	// downloaded from the Google Cloud console.
	keyJSON, err := os.ReadFile("/etc/openbackbone/fcm-service-account.json")
	if err != nil {
		log.Fatal(err)
	}
	push, err := fcmpush.New(fcmpush.Config{
		ServiceAccounts: map[string]string{"enmeshed": string(keyJSON)},
		Apps: map[string]string{
			"eu.enmeshed.app":     "enmeshed",
			"eu.enmeshed.app.dev": "enmeshed",
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = push.Send(context.Background(), driver.PushTarget{
		DeviceID: "DVC00000000000000001",
		Handle:   "registration token the app got from Firebase",
		AppID:    "eu.enmeshed.app",
	}, driver.PushNotification{
		EventName: "ExternalEventCreated",
		Content:   []byte(`{"eventName":"ExternalEventCreated"}`),
		Title:     "New message",
		Body:      "You have received a message.",
	})
	var pause *driver.RetryAfterError
	var fcmErr *fcmpush.Error
	switch {
	case err == nil:
	case errors.Is(err, driver.ErrInvalidHandle):
		log.Print("the app is gone from the device; delete the registration: ", err)
	case errors.Is(err, driver.ErrNotDeliverable):
		log.Print("FCM refuses this notification for good: ", err)
	case errors.As(err, &pause):
		log.Printf("FCM asks to wait %s: %v", pause.After, err)
	case errors.As(err, &fcmErr):
		log.Printf("FCM answered %d %s; try again later", fcmErr.StatusCode, fcmErr.Status)
	default:
		log.Print("try again later: ", err)
	}
}
