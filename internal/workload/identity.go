package workload

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"
)

// The signing an onboarding client does, kept here rather than taken from
// internal/backbonetest, which pulls the testing package and the stores
// into cmd/loadtest's binary.

// identityKey is an identity's signing key pair.
type identityKey struct {
	public  ed25519.PublicKey
	private ed25519.PrivateKey
}

func newIdentityKey() identityKey {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	return identityKey{public: pub, private: priv}
}

// wrapperBase64 is the public-key wrapper as identityPublicKey is sent.
func (k identityKey) wrapperBase64() string {
	b, _ := json.Marshal(map[string]any{"pub": base64.RawURLEncoding.EncodeToString(k.public), "alg": 3, "@type": "CryptoSignaturePublicKey"})
	return base64.RawURLEncoding.EncodeToString(b)
}

// signBase64 is the signature wrapper over the exact challenge bytes, as
// signedChallenge.signature is sent.
func (k identityKey) signBase64(challenge string) string {
	sig := ed25519.Sign(k.private, []byte(challenge))
	b, _ := json.Marshal(map[string]any{"sig": base64.RawURLEncoding.EncodeToString(sig), "alg": 2, "@type": "CryptoSignature"})
	return base64.RawURLEncoding.EncodeToString(b)
}

// challengeJSON serializes an identity challenge as the official client
// does before signing it.
func challengeJSON(id string, expiresAt time.Time) string {
	b, _ := json.Marshal(map[string]string{"expiresAt": expiresAt.UTC().Format("2006-01-02T15:04:05.000Z"), "id": id, "type": "Identity"})
	return string(b)
}
