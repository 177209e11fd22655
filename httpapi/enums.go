package httpapi

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// enum is an integer-backed enumeration on the wire: out as the member's
// name, in as the name (any case) or the number, because the C# SDK sends
// numbers and the official client names.
type enum struct {
	names []string // index = value
}

func (e enum) marshal(v int) ([]byte, error) {
	if v < 0 || v >= len(e.names) {
		return nil, errors.New("enum value out of range")
	}
	return json.Marshal(e.names[v])
}

func (e enum) unmarshal(data []byte) (int, error) {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		for i, n := range e.names {
			if strings.EqualFold(n, s) {
				return i, nil
			}
		}
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(e.names) {
			return n, nil
		}
		return 0, errors.New("expected one of " + strings.Join(e.names, ", "))
	}
	var n int
	if err := json.Unmarshal(data, &n); err != nil || n < 0 || n >= len(e.names) {
		return 0, errors.New("expected one of " + strings.Join(e.names, ", "))
	}
	return n, nil
}

func (e enum) schema() *huma.Schema {
	vals := make([]any, len(e.names))
	for i, n := range e.names {
		vals[i] = n
	}
	return &huma.Schema{Type: huma.TypeString, Enum: vals}
}
