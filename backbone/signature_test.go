package backbone

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vector of client-expectations.md §4.1, made with the real client.
const (
	vectorPublicKey = "eyJwdWIiOiI3NS1Yc2Q2VklVRmQwTTVGQjMtMmdhVmZDcVdJaDB6TUoxNk5HOGNYcHJjIiwiYWxnIjozLCJAdHlwZSI6IkNyeXB0b1NpZ25hdHVyZVB1YmxpY0tleSJ9"
	vectorChallenge = `{"expiresAt":"2030-01-01T00:00:00.000Z","id":"CHLabcdefghijklmnopq","type":"Identity"}`
	vectorSignature = "eyJzaWciOiJ3MWVQRW1sUERlMWFDbHRjTmpPb1l0Ql8xMFE2ajZUc2F5bnpkZEhmR3VxLU44VnI2UTR2M3p2M1k2WFR3WEZZVl9MWFRIYWtZZUg1NUN5c0d4M21EUSIsImFsZyI6MiwiQHR5cGUiOiJDcnlwdG9TaWduYXR1cmUifQ"
)

func decode(t *testing.T, s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestVerifySignedChallengeAcceptsTheClientsVector(t *testing.T) {
	pub, err := parsePublicKey(decode(t, vectorPublicKey))
	require.NoError(t, err)
	assert.Equal(t, "did:e:localhost:dids:5d7f1254ca138362318ad1", AddressFromPublicKey(pub, "localhost"))
	id, err := verifySignedChallenge(pub, SignedChallenge{Challenge: vectorChallenge, Signature: decode(t, vectorSignature)})
	require.NoError(t, err)
	assert.Equal(t, "CHLabcdefghijklmnopq", id)
}

func TestVerifySignedChallengeRejectsAnyChangeToTheChallenge(t *testing.T) {
	pub, err := parsePublicKey(decode(t, vectorPublicKey))
	require.NoError(t, err)
	altered := vectorChallenge[:len(vectorChallenge)-1] + ` }`
	_, err = verifySignedChallenge(pub, SignedChallenge{Challenge: altered, Signature: decode(t, vectorSignature)})
	assert.Equal(t, CodeInvalidSignature, AsError(err).Code)
}

func TestParsePublicKeyRejectsMalformedWrappers(t *testing.T) {
	for _, w := range []string{
		``, `not json`, `[]`, `{"alg":3}`, `{"pub":"75-Xsd6VIUFd0M5FB3-2gaVfCqWIh0zMJ16NG8cXprc"}`,
		`{"pub":"75-Xsd6VIUFd0M5FB3-2gaVfCqWIh0zMJ16NG8cXprc","alg":"x"}`,
		`{"pub":"AAAA","alg":3}`, `{"pub":"!!","alg":3}`, `{"pub":12,"alg":3}`,
	} {
		_, err := parsePublicKey([]byte(w))
		e := AsError(err)
		assert.Equal(t, KindInvalid, e.Kind, w)
		assert.Equal(t, CodeInvalidPropertyValue, e.Code, w)
	}
}

func TestVerifySignedChallengeRejectsMalformedSignaturesAndChallenges(t *testing.T) {
	pub, err := parsePublicKey(decode(t, vectorPublicKey))
	require.NoError(t, err)
	for _, sig := range []string{``, `x`, `{"alg":2}`, `{"sig":"AAAA","alg":2}`, `{"sig":"w1eP","alg":"2"}`} {
		_, err := verifySignedChallenge(pub, SignedChallenge{Challenge: vectorChallenge, Signature: []byte(sig)})
		assert.Equal(t, CodeInvalidSignature, AsError(err).Code, sig)
	}
	_, err = challengeID(`{"id":"CHLabcdefghijklmnopq"}`)
	assert.Equal(t, CodeInvalidPropertyValue, AsError(err).Code, "a challenge without expiresAt is a 400, not the reference's 500")
	id, err := challengeID(`{"Id":"CHLabcdefghijklmnopq","ExpiresAt":"2030-01-01T00:00:00Z"}`)
	require.NoError(t, err)
	assert.Equal(t, "CHLabcdefghijklmnopq", id, "member names match case-insensitively (the C# SDK sends PascalCase)")
}

func TestPasswordPolicyAndHashing(t *testing.T) {
	strict := DefaultConfig().PasswordPolicy
	assert.NotEmpty(t, strict.check("short"))
	assert.NotEmpty(t, strict.check("alllowercase1!"))
	assert.Empty(t, strict.check("Aaaaaaaa1!x"))
	assert.Empty(t, DevelopmentConfig().PasswordPolicy.check("x"))
	assert.NotEmpty(t, DevelopmentConfig().PasswordPolicy.check(""))

	h := hashPassword("secret")
	assert.True(t, verifyPassword(h, "secret"))
	assert.False(t, verifyPassword(h, "Secret"))
	assert.False(t, verifyPassword("garbage", "secret"))
	assert.NotEqual(t, h, hashPassword("secret"), "salted")
}
