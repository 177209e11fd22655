package fcmpush

import "github.com/openbackbone/openbackbone/backbone/driver"

// androidChannel is the notification channel the enmeshed app creates on
// Android.
const androidChannel = "ENMESHED"

// maxPayload is FCM's limit on the payload of a message (its data and the
// text of its notification). A longer message is refused with
// INVALID_ARGUMENT, which Send would take as an invalid handle, so Send
// refuses it before sending.
const maxPayload = 4096

// sendRequest is the body of messages:send.
type sendRequest struct {
	Message message `json:"message"`
}

// message is the FCM v1 Message resource, with the fields we set.
type message struct {
	Token        string            `json:"token"`
	Notification *notification     `json:"notification,omitempty"`
	Data         map[string]string `json:"data,omitempty"`
	Android      *androidConfig    `json:"android,omitempty"`
}

type notification struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
}

type androidConfig struct {
	CollapseKey  string               `json:"collapse_key,omitempty"`
	Notification *androidNotification `json:"notification,omitempty"`
}

type androidNotification struct {
	ChannelID string `json:"channel_id"`
	Tag       string `json:"tag,omitempty"`
}

// buildMessage builds the message to token as the reference does: the text
// as notification, the content as data (with content-available, which
// makes iOS wake the app), the Android channel in the data and in the
// Android options, and the collapse ID as Android tag and collapse key.
func buildMessage(token string, n driver.PushNotification) message {
	m := message{
		Token: token,
		Data:  map[string]string{"android_channel_id": androidChannel},
		Android: &androidConfig{
			CollapseKey:  n.CollapseID,
			Notification: &androidNotification{ChannelID: androidChannel, Tag: n.CollapseID},
		},
	}
	if n.Title != "" || n.Body != "" {
		m.Notification = &notification{Title: n.Title, Body: n.Body}
	}
	if n.Content != nil {
		m.Data["content"] = string(n.Content)
		m.Data["content-available"] = "1"
	}
	return m
}

// payloadSize is the size of m as FCM's limit counts it: the keys and
// values of its data and the text of its notification.
func (m message) payloadSize() int {
	size := 0
	for k, v := range m.Data {
		size += len(k) + len(v)
	}
	if m.Notification != nil {
		size += len(m.Notification.Title) + len(m.Notification.Body)
	}
	return size
}
