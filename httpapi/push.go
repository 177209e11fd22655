package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

type registerPushInput struct {
	Body struct {
		Platform    *string `json:"platform" doc:"fcm, apns, sse or dummy"`
		Handle      *string `json:"handle" doc:"the provider's token for the app on this device, 10 to 500 characters"`
		AppID       *string `json:"appId" doc:"the app's bundle ID (apns) or configured app ID (fcm)"`
		Environment string  `json:"environment,omitempty" doc:"Development or Production (default)"`
	}
}

// pushRegistrationDTO is the device's identifier in push contents.
type pushRegistrationDTO struct {
	DevicePushIdentifier string `json:"devicePushIdentifier"`
}

type pushRegistrationOutput struct {
	Body result[pushRegistrationDTO]
}

type sendTestNotificationInput struct {
	RawBody []byte `contentType:"application/json" doc:"any JSON value except null; sent as the notification's data"`
}

type sendNotificationInput struct {
	Body struct {
		Recipients []string `json:"recipients" doc:"1 to 100 addresses of identities the caller has a relationship with"`
		Code       *string  `json:"code" doc:"a notification code the operator configured"`
	}
}

func (h *handlers) registerPush(api huma.API) {
	tags := []string{"Push notifications"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "register-push-notifications", Method: http.MethodPut, Path: "/api/v2/Devices/Self/PushNotifications",
		Summary: "Register the calling device for push notifications", Tags: tags,
	}, authRequired), func(ctx context.Context, in *registerPushInput) (*pushRegistrationOutput, error) {
		switch {
		case in.Body.Platform == nil:
			return nil, missing("platform")
		case in.Body.Handle == nil:
			return nil, missing("handle")
		case in.Body.AppID == nil:
			return nil, missing("appId")
		}
		dpi, err := h.b.PushNotifications.Register(ctx, caller(ctx), backbone.PushRegistrationRequest{
			Platform: *in.Body.Platform, Handle: *in.Body.Handle, AppID: *in.Body.AppID, Environment: in.Body.Environment,
		})
		if err != nil {
			return nil, err
		}
		return &pushRegistrationOutput{Body: result[pushRegistrationDTO]{pushRegistrationDTO{DevicePushIdentifier: dpi}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "unregister-push-notifications", Method: http.MethodDelete, Path: "/api/v2/Devices/Self/PushNotifications",
		Summary: "Stop push notifications to the calling device", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, _ *struct{}) (*struct{}, error) {
		return nil, h.b.PushNotifications.Unregister(ctx, caller(ctx))
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "send-test-push-notification", Method: http.MethodPost, Path: "/api/v2/Devices/Self/PushNotifications/SendTestNotification",
		Summary: "Send a test notification to every device of the caller's identity", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *sendTestNotificationInput) (*struct{}, error) {
		if !json.Valid(in.RawBody) {
			return nil, badInput("The request body is not valid JSON.")
		}
		return nil, h.b.PushNotifications.SendTest(ctx, caller(ctx), in.RawBody)
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "send-notification", Method: http.MethodPost, Path: "/api/v2/Notifications",
		Summary: "Send a configured text notification to related identities", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *sendNotificationInput) (*struct{}, error) {
		if in.Body.Code == nil {
			return nil, missing("code")
		}
		return nil, h.b.Notifications.Send(ctx, caller(ctx), in.Body.Recipients, *in.Body.Code)
	})

	for _, version := range []string{"v1", "v2"} {
		huma.Register(api, h.op(huma.Operation{
			OperationID: "server-sent-events-" + version, Method: http.MethodGet, Path: "/api/" + version + "/sse",
			Summary:     "Receive the calling device's push notifications as server-sent events",
			Description: "The stream opens with the event ConnectionOpened, then carries one event per notification (`event: <name>`, `data: _`) and `keep-alive` events in between. While it is open, the device is registered for the platform sse.",
			Tags:        tags,
		}, authRequired), h.serverSentEvents)
	}
}

// serverSentEvents holds the stream of the calling device open until the
// client goes away or the server shuts down.
func (h *handlers) serverSentEvents(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
	streamCtx, cancel := context.WithCancel(ctx)
	events, err := h.b.PushNotifications.Stream(streamCtx, caller(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	keepAlive := h.opts.SSEKeepAlive
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer cancel()
		hctx.SetHeader("Content-Type", "text/event-stream")
		hctx.SetHeader("Cache-Control", "no-cache")
		hctx.SetHeader("Connection", "keep-alive")
		hctx.SetStatus(http.StatusOK)
		w := hctx.BodyWriter()
		flusher, _ := w.(http.Flusher)
		send := func(name string) bool {
			if _, err := fmt.Fprintf(w, "event: %s\ndata: _\n\n", name); err != nil {
				return false
			}
			if flusher != nil {
				flusher.Flush()
			}
			return true
		}
		if !send("ConnectionOpened") {
			return
		}
		t := time.NewTicker(keepAlive)
		defer t.Stop()
		for {
			select {
			case name, ok := <-events:
				if !ok || !send(name) {
					return // the server shuts down, or the client left
				}
			case <-t.C:
				if !send("keep-alive") {
					return
				}
			case <-streamCtx.Done():
				return
			}
		}
	}}, nil
}
