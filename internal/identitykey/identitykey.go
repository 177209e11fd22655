// Package identitykey is an identity's signing key as the official client
// uses it: the wire encodings of its public key and signatures, and the
// challenge JSON it signs. It imports nothing but the standard library, so
// that both the test helpers and the load generator's binary can use it.
package identitykey

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"
)

// Key is an identity signing key pair with the wire encodings clients use.
type Key struct {
	Public  ed25519.PublicKey
	Private ed25519.PrivateKey
}

// New generates a key pair.
func New() Key {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	return Key{Public: pub, Private: priv}
}

// Wrapper is the public-key wrapper JSON the official client sends.
func (k Key) Wrapper() []byte {
	b, _ := json.Marshal(map[string]any{"pub": base64.RawURLEncoding.EncodeToString(k.Public), "alg": 3, "@type": "CryptoSignaturePublicKey"})
	return b
}

// WrapperBase64 is Wrapper as identityPublicKey is sent.
func (k Key) WrapperBase64() string { return base64.RawURLEncoding.EncodeToString(k.Wrapper()) }

// ChallengeJSON serializes a challenge as the official client does before
// signing it; createdBy and createdByDevice are set for device challenges.
func ChallengeJSON(id string, expiresAt time.Time, createdBy, createdByDevice string) string {
	m := map[string]string{"expiresAt": expiresAt.UTC().Format("2006-01-02T15:04:05.000Z"), "id": id, "type": "Identity"}
	if createdBy != "" {
		m["createdBy"], m["createdByDevice"] = createdBy, createdByDevice
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Sign returns the signature wrapper JSON over the exact challenge bytes.
func (k Key) Sign(challenge string) []byte {
	sig := ed25519.Sign(k.Private, []byte(challenge))
	b, _ := json.Marshal(map[string]any{"sig": base64.RawURLEncoding.EncodeToString(sig), "alg": 2, "@type": "CryptoSignature"})
	return b
}

// SignBase64 is Sign as signedChallenge.signature is sent.
func (k Key) SignBase64(challenge string) string {
	return base64.RawURLEncoding.EncodeToString(k.Sign(challenge))
}
