package b64

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeAcceptsEveryAlphabetAndPadding(t *testing.T) {
	want := []byte{0xfb, 0xff, 0xbf, 0x01}
	for _, in := range []string{"-_-_AQ", "-_-_AQ==", "+/+/AQ", "+/+/AQ=="} {
		got, err := Decode(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	for _, in := range []string{"!!!!", "a", "-_+/", "ab cd"} {
		_, err := Decode(in)
		assert.ErrorIs(t, err, ErrInvalid, in)
	}
}

func TestEncodeIsURLSafeWithoutPadding(t *testing.T) {
	assert.Equal(t, "-_-_AQ", Encode([]byte{0xfb, 0xff, 0xbf, 0x01}))
}
