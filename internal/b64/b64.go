// Package b64 decodes base64 the way enmeshed clients send it: the official
// client sends base64url without padding, the C# SDK standard base64 with
// padding, so every alphabet and padding choice is accepted. Output is always
// base64url without padding, the only form the official client decodes.
package b64

import (
	"encoding/base64"
	"errors"
	"strings"
)

// ErrInvalid is returned for input that is base64 in no alphabet.
var ErrInvalid = errors.New("not valid base64 or base64url")

// Decode accepts base64url and standard base64, with or without padding.
func Decode(s string) ([]byte, error) {
	if strings.ContainsAny(s, "-_") && strings.ContainsAny(s, "+/") {
		return nil, ErrInvalid
	}
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, ErrInvalid
}

// Encode returns base64url without padding.
func Encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
