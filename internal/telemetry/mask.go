package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// Masked replaces personal data and credentials in log records.
const Masked = "**MASKED**"

// sensitive matches what the reference's log masking hides: identity
// addresses, device IDs and usernames (the strongly typed IDs DVC… and
// USR…), and the credentials of an Authorization header.
var sensitive = regexp.MustCompile(strings.Join([]string{
	`did:e:[A-Za-z0-9.-]+:dids:[0-9A-Fa-f]{22}`,
	`\bDVC[A-Za-z0-9]{17}\b`,
	`\bUSR[A-Za-z0-9]{17}\b`,
	`(?i:\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]+)`,
}, "|"))

// sensitiveKeys are attributes whose whole value is a secret, whatever it
// looks like (compared lower-cased, without - and _).
var sensitiveKeys = map[string]bool{
	"authorization": true, "password": true, "clientsecret": true, "secret": true,
	"apikey": true, "xapikey": true, "accesstoken": true, "refreshtoken": true,
}

// MaskingHandler wraps h so that every record's message and attribute
// values (strings, errors, anything printed with %v, inside groups too)
// have identity addresses, device IDs, usernames and bearer credentials
// replaced by Masked before h sees them.
func MaskingHandler(h slog.Handler) slog.Handler { return &maskingHandler{next: h} }

type maskingHandler struct{ next slog.Handler }

func (m *maskingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return m.next.Enabled(ctx, l)
}

func (m *maskingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, maskString(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return m.next.Handle(ctx, out)
}

func (m *maskingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return &maskingHandler{next: m.next.WithAttrs(masked)}
}

func (m *maskingHandler) WithGroup(name string) slog.Handler {
	return &maskingHandler{next: m.next.WithGroup(name)}
}

func maskAttr(a slog.Attr) slog.Attr {
	if sensitiveKeys[strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(a.Key))] {
		return slog.String(a.Key, Masked)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, maskString(v.String()))
	case slog.KindGroup:
		group := v.Group()
		masked := make([]any, len(group))
		for i, g := range group {
			masked[i] = maskAttr(g)
		}
		return slog.Group(a.Key, masked...)
	case slog.KindAny:
		s := fmt.Sprint(v.Any())
		if m := maskString(s); m != s {
			return slog.String(a.Key, m)
		}
		return slog.Attr{Key: a.Key, Value: v}
	}
	return slog.Attr{Key: a.Key, Value: v} // numbers, times, durations, booleans
}

func maskString(s string) string { return sensitive.ReplaceAllLiteralString(s, Masked) }
