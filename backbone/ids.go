package backbone

import (
	"crypto/rand"
	"strings"
)

// ID prefixes of the strongly typed IDs (3 letters + 17 alphanumerics).
const (
	PrefixChallenge    = "CHL"
	PrefixDevice       = "DVC"
	PrefixUsername     = "USR"
	PrefixTier         = "TIR"
	PrefixClient       = "CLT"
	PrefixSyncRun      = "SYR"
	PrefixEvent        = "SYI"
	PrefixDatawallet   = "DWL"
	PrefixModification = "DWM"
	PrefixRelationship = "REL"
	PrefixTemplate     = "RLT"
	PrefixAuditEntry   = "RAL"
	PrefixMessage      = "MSG"
	PrefixFile         = "FIL"
	PrefixToken        = "TOK"
)

const (
	idLength    = 20
	idAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	errIDPrefix = "ERR"
	errAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ123456789"
)

// NewID returns prefix followed by 17 characters drawn uniformly from
// [A-Za-z0-9] with a cryptographic RNG.
func NewID(prefix string) string { return prefix + randomString(idLength-len(prefix), idAlphabet) }

// NewErrorID returns a random error ID (ERR + 17 characters of an alphabet
// without look-alikes), as the error envelope carries.
func NewErrorID() string { return errIDPrefix + randomString(idLength-len(errIDPrefix), errAlphabet) }

func randomString(n int, alphabet string) string {
	// Rejection sampling keeps every character equally likely.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		_, _ = rand.Read(buf) // never fails (crypto/rand panics instead)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// ValidID reports whether s looks like an ID with the prefix: the prefix,
// at most 20 characters, only [A-Za-z0-9]. This is the lenient check the
// reference applies to most inputs.
func ValidID(prefix, s string) bool {
	if !strings.HasPrefix(s, prefix) || len(s) > idLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
