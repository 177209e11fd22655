package apnspush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// signer makes and caches the provider token of one key.
type signer struct {
	teamID string
	keyID  string
	key    *ecdsa.PrivateKey

	mu     sync.Mutex
	cached string    // "" if none
	issued time.Time // iat of cached
}

// token returns the cached provider token if it was issued less than
// TokenLifetime before now, and otherwise signs, caches and returns a new
// one. Concurrent callers wait for one signing.
func (s *signer) token(now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != "" {
		// A clock that went backwards also makes a new token: APNs
		// refuses tokens issued in the future.
		if age := now.Sub(s.issued); age >= 0 && age < TokenLifetime {
			return s.cached, nil
		}
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": s.teamID,
		"iat": now.Unix(),
	})
	t.Header["kid"] = s.keyID
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("apnspush: signing the provider token: %w", err)
	}
	s.cached, s.issued = signed, now
	return signed, nil
}

// drop forgets the cached token if it is still the one APNs refused; a
// token signed since by a concurrent Send stays.
func (s *signer) drop(refused string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached == refused {
		s.cached, s.issued = "", time.Time{}
	}
}

// parsePrivateKey reads an APNs authentication key: PEM of a PKCS#8 (or
// SEC 1) P-256 private key, or the base64 of the PKCS#8 DER.
func parsePrivateKey(text string) (*ecdsa.PrivateKey, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errors.New("PrivateKey is empty")
	}
	var der []byte
	sec1 := false
	if strings.HasPrefix(text, "-----BEGIN") {
		block, rest := pem.Decode([]byte(text))
		if block == nil {
			return nil, errors.New("PrivateKey is not valid PEM")
		}
		if len(strings.TrimSpace(string(rest))) != 0 {
			return nil, errors.New("PrivateKey has data after the PEM block")
		}
		switch block.Type {
		case "PRIVATE KEY":
		case "EC PRIVATE KEY":
			sec1 = true
		default:
			return nil, fmt.Errorf("PrivateKey is a PEM %q block, want PRIVATE KEY", block.Type)
		}
		der = block.Bytes
	} else {
		var err error
		der, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return nil, errors.New("PrivateKey is neither PEM nor base64")
		}
	}
	var key any
	var err error
	if sec1 {
		key, err = x509.ParseECPrivateKey(der)
	} else {
		key, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, fmt.Errorf("PrivateKey: %w", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("PrivateKey is a %T, want an ECDSA P-256 key", key)
	}
	if ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("PrivateKey is on curve %s, want P-256", ec.Curve.Params().Name)
	}
	return ec, nil
}
