package main

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/openbackbone/openbackbone/internal/config"
)

// signingKey loads the access-token signing key from the configured PEM
// file. Only the dev landscape may go without one: it then keeps a key it
// generates under the data directory, so tokens survive restarts.
func signingKey(cfg config.Config) (crypto.Signer, error) {
	path := cfg.Auth.SigningKeyFile
	if path == "" {
		if cfg.Landscape != "dev" {
			return nil, errors.New("auth.signingKeyFile is required outside the dev landscape")
		}
		path = filepath.Join(cfg.DataDir, "token-signing-key.pem")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := writeNewKey(path); err != nil {
				return nil, err
			}
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("signing key %s: no PEM block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: want a PKCS #8 private key: %w", path, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("signing key %s: %T cannot sign", path, key)
	}
	return signer, nil
}

func writeNewKey(path string) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil // another process created it first
	}
	if err != nil {
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
