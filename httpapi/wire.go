package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/internal/b64"
)

// wireBytes is binary data on the wire: in as base64 or base64url with or
// without padding (clients differ), out as base64url without padding, the
// only form the official client decodes.
type wireBytes []byte

// MarshalJSON encodes as base64url without padding.
func (b wireBytes) MarshalJSON() ([]byte, error) {
	if b == nil {
		return []byte("null"), nil
	}
	return json.Marshal(b64.Encode(b))
}

// UnmarshalJSON accepts every base64 alphabet and padding.
func (b *wireBytes) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		*b = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return errors.New("expected a base64 string")
	}
	d, err := b64.Decode(s)
	if err != nil {
		return err
	}
	*b = d
	return nil
}

// Schema documents wireBytes as a base64url string.
func (wireBytes) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, ContentEncoding: "base64url", Description: "base64url without padding (base64 accepted on input)"}
}

// timeLayout is the one date format of responses: UTC, exactly three
// fraction digits.
const timeLayout = "2006-01-02T15:04:05.000Z"

// wireTime is a UTC instant on the wire: out as yyyy-MM-ddTHH:mm:ss.fffZ, in as
// any ISO-8601 date-time.
type wireTime time.Time

// MarshalJSON writes the fixed millisecond layout.
func (t wireTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(timeLayout) + `"`), nil
}

// UnmarshalJSON reads an RFC 3339 date-time and converts it to UTC.
func (t *wireTime) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return errors.New("expected a date-time string")
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return errors.New("expected an ISO-8601 date-time")
	}
	*t = wireTime(v.UTC())
	return nil
}

// Schema documents wireTime as a date-time string.
func (wireTime) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Format: "date-time"}
}

func toWireTime(t time.Time) wireTime { return wireTime(t) }

func toWireTimePtr(t *time.Time) *wireTime {
	if t == nil {
		return nil
	}
	w := wireTime(*t)
	return &w
}

// wireInt is an integer that clients may also send as a JSON string ("1"), as
// ASP.NET accepts.
type wireInt int

// UnmarshalJSON accepts a JSON number or a string holding one.
func (i *wireInt) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		data = []byte(s)
	}
	n, err := strconv.Atoi(string(data))
	if err != nil {
		return errors.New("expected an integer")
	}
	*i = wireInt(n)
	return nil
}

// Schema documents wireInt as an integer.
func (wireInt) Schema(huma.Registry) *huma.Schema { return &huma.Schema{Type: huma.TypeInteger} }

// queryPassword decodes a password query parameter (standard base64,
// percent-encoded by the client); empty means none.
func queryPassword(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	pw, err := b64.Decode(s)
	if err != nil {
		return nil, badInput("'password': not valid base64.")
	}
	return pw, nil
}
