package main

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/openbackbone/openbackbone/adapters/gocloudsecrets"
	"github.com/openbackbone/openbackbone/internal/config"
)

// secretTimeout bounds one fetch from a secret store at start, so an
// unreachable store fails the start instead of hanging it.
const secretTimeout = time.Minute

// signingKey loads the access-token signing key from the configured PEM
// file or secret URL. Only the dev landscape may go without one: it then
// keeps a key it generates under the data directory, so tokens survive
// restarts.
func signingKey(cfg config.Config) (crypto.Signer, error) {
	if cfg.Auth.SigningKey != "" { // config.Load refuses it beside SigningKeyFile
		ctx, cancel := context.WithTimeout(context.Background(), secretTimeout)
		defer cancel()
		raw, err := gocloudsecrets.ReadNonEmpty(ctx, cfg.Auth.SigningKey)
		if err != nil {
			return nil, fmt.Errorf("auth.signingKey: %w", err)
		}
		return parseSigningKey(raw, "auth.signingKey")
	}
	path := cfg.Auth.SigningKeyFile
	if path == "" {
		if cfg.Base() != "dev" {
			return nil, errors.New("auth.signingKeyFile or auth.signingKey is required outside the dev landscape")
		}
		path = filepath.Join(cfg.DataDir, config.DevSigningKeyFile)
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
	return parseSigningKey(raw, path)
}

// parseSigningKey decodes a PEM PKCS #8 private key; source names where it
// came from for errors.
func parseSigningKey(raw []byte, source string) (crypto.Signer, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("signing key %s: no PEM block", source)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: want a PKCS #8 private key: %w", source, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("signing key %s: %T cannot sign", source, key)
	}
	return signer, nil
}

// secretValue returns a push provider credential from the one form it is
// given in, inline, as a file or as a secret URL; config.Load has refused
// every other combination.
func secretValue(ctx context.Context, inline, file, secretURL string) (string, error) {
	switch {
	case secretURL != "":
		ctx, cancel := context.WithTimeout(ctx, secretTimeout)
		defer cancel()
		b, err := gocloudsecrets.ReadNonEmpty(ctx, secretURL)
		return string(b), err
	case file != "":
		b, err := os.ReadFile(file)
		return string(b), err
	}
	return inline, nil
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
