package backbone

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNewIDHasPrefixAnd17Alphanumerics(t *testing.T) {
	re := regexp.MustCompile(`^DVC[A-Za-z0-9]{17}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID(PrefixDevice)
		assert.Regexp(t, re, id)
		assert.True(t, ValidID(PrefixDevice, id), "a new ID passes the check inputs get")
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
}

func TestNewErrorIDAvoidsLookAlikes(t *testing.T) {
	for range 100 {
		assert.Regexp(t, `^ERR[ABCDEFGHJKLMNPQRSTUVWXYZ1-9]{17}$`, NewErrorID())
	}
}

func TestValidID(t *testing.T) {
	assert.True(t, ValidID("DVC", "DVC123"), "shorter IDs pass the lenient check")
	assert.False(t, ValidID("DVC", "CHLaaaaaaaaaaaaaaaaa"))
	assert.False(t, ValidID("DVC", "DVCaaaaaaaaaaaaaaaaaa"), "21 characters")
	assert.False(t, ValidID("DVC", "DVCaaaaaaaa-aaaaaaaa"))
}
