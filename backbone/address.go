package backbone

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"regexp"
	"unicode/utf16"
)

const maxAddressLength = 80

var addressPattern = regexp.MustCompile(`^did:e:((?:[a-z0-9-]+\.)*[a-z]{2,}):dids:[0-9a-f]{20}[0-9a-f]{2}$`)

// AddressFromPublicKey derives the identity address of a raw 32-byte Ed25519
// public key under a DID domain, exactly as the official client does
// locally: the client aborts identity creation if the two differ.
func AddressFromPublicKey(rawPublicKey []byte, didDomain string) string {
	inner := sha512.Sum512(rawPublicKey)
	h := sha256.Sum256(inner[:])
	main := "did:e:" + didDomain + ":dids:" + hex.EncodeToString(h[:10])
	checksum := sha256.Sum256([]byte(main))
	return main + hex.EncodeToString(checksum[:1])
}

// ValidAddress reports whether s is a well-formed identity address with a
// correct checksum.
func ValidAddress(s string) bool {
	if len(s) > maxAddressLength || !addressPattern.MatchString(s) {
		return false
	}
	main := s[:len(s)-2]
	checksum := sha256.Sum256([]byte(main))
	return hex.EncodeToString(checksum[:1]) == s[len(s)-2:]
}

// AnonymousAddress is the pseudonym that replaces a deleted identity's
// address in what remains of it once deleted (messages others hold, the
// recipients a sender sees); derived like the reference from the UTF-16LE
// bytes of "deleted identity". Embedders may compare addresses with it.
func AnonymousAddress(didDomain string) string {
	units := utf16.Encode([]rune("deleted identity"))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	return AddressFromPublicKey(b, didDomain)
}
