package backbone

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/internal/b64"
)

// SignedChallenge is a challenge string as the client serialized it, and
// the client's signature over its exact UTF-8 bytes.
type SignedChallenge struct {
	Challenge string
	// Signature is the decoded signature wrapper: JSON {"sig": …, "alg": …}.
	Signature []byte
}

// parsePublicKey reads the public-key wrapper JSON {"pub": <base64>, "alg":
// <number>} and returns the raw Ed25519 key. alg is required to be a number
// but ignored: verification is always Ed25519, as in the reference.
func parsePublicKey(wrapper []byte) (ed25519.PublicKey, error) {
	var w struct {
		Pub *string      `json:"pub"`
		Alg *json.Number `json:"alg"`
	}
	if err := decodeWrapper(wrapper, &w); err != nil || w.Pub == nil || w.Alg == nil {
		return nil, invalidProperty("identityPublicKey", "must be a public key wrapper {\"pub\": <base64url>, \"alg\": <number>}.")
	}
	raw, err := b64.Decode(*w.Pub)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, invalidProperty("identityPublicKey", "must contain a 32-byte Ed25519 public key.")
	}
	return ed25519.PublicKey(raw), nil
}

func invalidSignature() *Error {
	return invalid(CodeInvalidSignature, "The given signature is not valid.")
}

// verifySignedChallenge checks the signature over the exact challenge bytes
// and returns the challenge ID named inside the challenge JSON.
func verifySignedChallenge(pub ed25519.PublicKey, sc SignedChallenge) (string, error) {
	var w struct {
		Sig *string      `json:"sig"`
		Alg *json.Number `json:"alg"`
	}
	if err := decodeWrapper(sc.Signature, &w); err != nil || w.Sig == nil || w.Alg == nil {
		return "", invalidSignature()
	}
	sig, err := b64.Decode(*w.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "", invalidSignature()
	}
	if !ed25519.Verify(pub, []byte(sc.Challenge), sig) {
		return "", invalidSignature()
	}
	return challengeID(sc.Challenge)
}

// challengeID reads the "id" member (any case) of the signed challenge JSON.
// The reference also demands a parseable expiresAt there; it answers a
// missing one with a 500, we with a 400.
func challengeID(challenge string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(challenge), &m); err != nil {
		return "", invalidProperty("signedChallenge.challenge", "must be the JSON of a challenge.")
	}
	var id, expiresAt string
	for k, v := range m {
		switch strings.ToLower(k) {
		case "id":
			_ = json.Unmarshal(v, &id)
		case "expiresat":
			_ = json.Unmarshal(v, &expiresAt)
		}
	}
	if id == "" {
		return "", invalidProperty("signedChallenge.challenge", "must name the challenge's id.")
	}
	if _, err := time.Parse(time.RFC3339Nano, expiresAt); err != nil {
		return "", invalidProperty("signedChallenge.challenge", "must carry the challenge's expiresAt.")
	}
	return id, nil
}

func decodeWrapper(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}
