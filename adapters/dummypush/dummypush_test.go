package dummypush_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openbackbone/openbackbone/adapters/dummypush"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func TestAcceptsEverythingAndCounts(t *testing.T) {
	p := dummypush.New(nil)
	assert.Equal(t, driver.PlatformDummy, p.Platform())
	assert.True(t, p.SupportsApp("any.app"))
	for range 3 {
		assert.NoError(t, p.Send(context.Background(), driver.PushTarget{Handle: "h"}, driver.PushNotification{EventName: "Test"}))
	}
	assert.Equal(t, int64(3), p.Sent())
}
