package gocloudbus

import (
	"testing"

	"github.com/stretchr/testify/assert"
	gcdriver "gocloud.dev/pubsub/driver"
)

func TestUnsettledHandsBackOnlyWhatWasNeverSettled(t *testing.T) {
	var u unsettled
	assert.True(t, u.add([]gcdriver.AckID{"a", "b", "c"}))
	u.forget([]gcdriver.AckID{"b"})
	assert.ElementsMatch(t, []gcdriver.AckID{"a", "c"}, u.close())
	// A receive that finishes after Close must release what it took itself.
	assert.False(t, u.add([]gcdriver.AckID{"d"}))
	assert.Empty(t, u.close(), "what was added after Close is not kept")
}
