package pushtest

import (
	"strings"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// The comparison decides whether a provider passes the delivery rules, so
// it must see every difference in the parts a service carries, and only
// those.
func TestDiffReceived(t *testing.T) {
	tg := NewTarget("app", "handle")
	n := notification(tg)
	same := Received{EventName: n.EventName, Content: []byte(" " + string(n.Content) + "\n"), Title: n.Title, Body: n.Body, CollapseID: n.CollapseID}
	if d := diffReceived(same, n, AllFields); d != "" {
		t.Errorf("identical notification (content re-spaced) reported as different: %s", d)
	}
	cases := []struct {
		field Fields
		name  string
		edit  func(*Received)
	}{
		{FieldEventName, "EventName", func(r *Received) { r.EventName = "Other" }},
		{FieldContent, "Content", func(r *Received) { r.Content = []byte(`{"eventName":"ExternalEventCreated"}`) }},
		{FieldContent, "Content", func(r *Received) { r.Content = nil }},
		{FieldTitle, "Title", func(r *Received) { r.Title = "" }},
		{FieldBody, "Body", func(r *Received) { r.Body = "x" }},
		{FieldCollapseID, "CollapseID", func(r *Received) { r.CollapseID = "other" }},
	}
	for _, c := range cases {
		got := same
		c.edit(&got)
		if d := diffReceived(got, n, AllFields); !strings.Contains(d, c.name) {
			t.Errorf("a different %s was not reported: %q", c.name, d)
		}
		if d := diffReceived(got, n, AllFields&^c.field); d != "" {
			t.Errorf("a different %s was reported though the service does not carry it: %s", c.name, d)
		}
	}
}

func TestSameJSON(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[true]}`, `{ "b": [true], "a": 1 }`, true},
		{`{"a":1}`, `{"a":2}`, false},
		{``, ``, true},
		{`{}`, ``, false},
		{`not json`, `not json`, false},
	} {
		if got := sameJSON([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("sameJSON(%q, %q) = %t, want %t", c.a, c.b, got, c.want)
		}
	}
}

func TestNewTargetIsUnique(t *testing.T) {
	a, b := NewTarget("app", "h"), NewTarget("app", "h")
	if a.IdentityAddress == b.IdentityAddress || a.DeviceID == b.DeviceID || a.DevicePushIdentifier == b.DevicePushIdentifier {
		t.Errorf("two targets share an identity, device or DPI: %+v, %+v", a, b)
	}
	if len(a.DeviceID) != 20 || len(a.DevicePushIdentifier) != 20 || a.Environment != driver.PushProduction {
		t.Errorf("target %+v: want 20-character device ID and DPI, production environment", a)
	}
}
