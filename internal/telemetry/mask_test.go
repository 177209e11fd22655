package telemetry

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

const (
	address  = "did:e:localhost:dids:0123456789abcdef012345"
	deviceID = "DVCabcdefghij0123456"
	username = "USRabcdefghij0123456"
)

func TestMaskingHidesAddressesDeviceIDsUsernamesAndCredentials(t *testing.T) {
	var out bytes.Buffer
	logger := slog.New(MaskingHandler(slog.NewTextHandler(&out, nil))).With("caller", address)

	logger.Info("device "+deviceID+" of "+address+" logged in",
		"username", username,
		"error", errors.New("no device "+deviceID),
		"authorization", "whatever format",
		"header", "Bearer eyJhbGciOi.eyJzdWIi.sig",
		slog.Group("request", "path", "/api/v2/Identities/"+address),
		"status", 200,
		"route", "/api/v2/Devices/{id}",
	)
	line := out.String()
	for _, secret := range []string{address, deviceID, username, "whatever format", "eyJhbGciOi"} {
		assert.NotContains(t, line, secret)
	}
	assert.Contains(t, line, "msg=\"device **MASKED** of **MASKED** logged in\"")
	assert.Contains(t, line, "caller=**MASKED**")
	assert.Contains(t, line, "error=\"no device **MASKED**\"")
	assert.Contains(t, line, "request.path=/api/v2/Identities/**MASKED**")
	assert.Contains(t, line, "status=200")
	assert.Contains(t, line, "route=/api/v2/Devices/{id}", "what is not personal stays")
}

func TestMaskingLeavesLookalikesAlone(t *testing.T) {
	var out bytes.Buffer
	slog.New(MaskingHandler(slog.NewTextHandler(&out, nil))).Info("x", "id", "DVCshort", "rel", "RELabcdefghij0123456")
	assert.Contains(t, out.String(), "id=DVCshort")
	assert.Contains(t, out.String(), "rel=RELabcdefghij0123456")
}
