package backbone

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors from shared/spec: client-expectations.md §4.1 and
// consumer-api-identities-devices-sync.md §4.3.
func TestAddressFromPublicKeyMatchesTheClientsVectors(t *testing.T) {
	for _, v := range []struct{ key, domain, want string }{
		{"75-Xsd6VIUFd0M5FB3-2gaVfCqWIh0zMJ16NG8cXprc", "localhost", "did:e:localhost:dids:5d7f1254ca138362318ad1"},
		{"A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg", "localhost", "did:e:localhost:dids:76a33ea3665eef489c70bb"},
		{"tB9KFp_YqHrom3m5qUuZsd6l30DkaNjN14SxRw7YZuI", "prod.enmeshed.eu", "did:e:prod.enmeshed.eu:dids:56b3f2a0c202e27229aa87"},
		{"49fWA-kzWNdCFdo92imTiQ4vUUJsPPLNlcB9udC4ooE", "prod.enmeshed.eu", "did:e:prod.enmeshed.eu:dids:06a391378e5df5c1399f77"},
	} {
		raw, err := base64.RawURLEncoding.DecodeString(v.key)
		require.NoError(t, err)
		got := AddressFromPublicKey(raw, v.domain)
		assert.Equal(t, v.want, got)
		assert.True(t, ValidAddress(got), got)
	}
}

func TestAnonymousAddressIsTheReferencesPseudonym(t *testing.T) {
	assert.Equal(t, "did:e:localhost:dids:3a29ae5c1f591bbd9a2aaa", AnonymousAddress("localhost"))
}

func TestValidAddressRejectsMalformedAddresses(t *testing.T) {
	for _, s := range []string{
		"",
		"did:e:localhost:dids:5d7f1254ca138362318ad2", // wrong checksum
		"did:e:localhost:dids:5D7F1254CA138362318AD1", // upper case
		"did:e:127.0.0.1:dids:5d7f1254ca138362318a53", // IP host
		"did:e:localhost:dids:5d7f1254ca138362318a",   // too short
		"did:x:localhost:dids:5d7f1254ca138362318ad1", // wrong method
	} {
		assert.False(t, ValidAddress(s), s)
	}
}
