package backbonetest

import (
	"time"

	"github.com/openbackbone/openbackbone/internal/identitykey"
)

// Key is an identity signing key pair with the wire encodings clients use.
type Key = identitykey.Key

// NewKey generates a key pair.
func NewKey() Key { return identitykey.New() }

// ChallengeJSON serializes a challenge as the official client does before
// signing it.
func ChallengeJSON(id string, expiresAt time.Time, createdBy, createdByDevice string) string {
	return identitykey.ChallengeJSON(id, expiresAt, createdBy, createdByDevice)
}
