// Package gocloudsecrets reads secrets — token signing keys, push provider
// credentials — through gocloud.dev/runtimevar and, when the stored value is
// encrypted, gocloud.dev/secrets. It is the reference server's key vault:
// an operator names a secret by URL instead of pasting it into the
// configuration.
//
// Explicit path: build a *runtimevar.Variable and, optionally, a
// *secrets.Keeper with the driver packages' constructors and call
// ReadVariable. URL path (for configuration): Read, which opens both by URL.
//
// # URLs
//
// The URL is a runtimevar URL; this package opens it with its own mux (see
// VariableSchemes), so nothing depends on which packages a program happens
// to import:
//
//	file:///run/secrets/key.pem                 a local file (filevar)
//	constant://?val=…                           the value itself (tests)
//	gcpsecretmanager://projects/p/secrets/s     GCP Secret Manager
//	awssecretsmanager://name?region=…           AWS Secrets Manager
//	awsparamstore://name?region=…               AWS Systems Manager Parameter Store
//	gcpruntimeconfig://projects/p/configs/c/variables/v
//
// httpvar is left out on purpose: a key fetched over plain HTTP is a key
// anyone on the path has read. etcdvar is left out because it is a module
// of its own that pulls in the etcd client; wrap an etcd variable with
// ReadVariable if you need it.
//
// The driver's own query parameters keep their meaning. This package adds
// two and removes them before the driver sees the URL:
//
//   - decrypt: a secrets keeper URL, URL-escaped (see KeeperSchemes). The
//     fetched value is ciphertext that keeper decrypts: base64key://<key>
//     (localsecrets), awskms://<key id>, gcpkms://projects/…/cryptoKeys/…,
//     azurekeyvault://<vault>.vault.azure.net/keys/<name>,
//     hashivault://<transit key>.
//   - encoding: how the fetched ciphertext is written: "raw" (default) or
//     "base64" (standard, padded), for stores that hold text only. It
//     requires decrypt.
//
// The runtimevar "decoder" parameter is rejected: the value is always read
// as bytes, and gocloud's "decrypt" decoder would read its keeper from the
// process-wide RUNTIMEVAR_KEEPER_URL variable, which this package replaces
// with the explicit decrypt parameter.
//
// Secrets are read once, not watched: a server reads its keys at start and
// is restarted to rotate them.
//
// The tests exercise constant://, file:// and base64key:// for real. The
// cloud schemes and hashivault are checked only to reach their drivers: no
// cloud account, and no Vault server or vault binary, is available in CI.
package gocloudsecrets

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"gocloud.dev/runtimevar"
	"gocloud.dev/runtimevar/awsparamstore"
	"gocloud.dev/runtimevar/awssecretsmanager"
	"gocloud.dev/runtimevar/constantvar"
	"gocloud.dev/runtimevar/filevar"
	"gocloud.dev/runtimevar/gcpruntimeconfig"
	"gocloud.dev/runtimevar/gcpsecretmanager"
	"gocloud.dev/secrets"
	"gocloud.dev/secrets/awskms"
	"gocloud.dev/secrets/azurekeyvault"
	"gocloud.dev/secrets/gcpkms"
	"gocloud.dev/secrets/hashivault"
	"gocloud.dev/secrets/localsecrets"
)

// Importing the driver packages above registers their URL openers with
// gocloud's default muxes as a side effect. This package does not use those
// muxes: it copies the openers it knows into its own, so the schemes it
// accepts are exactly the ones it lists and documents.
var (
	variableMux = newVariableMux()
	keeperMux   = newKeeperMux()
)

func newVariableMux() *runtimevar.URLMux {
	m := new(runtimevar.URLMux)
	def := runtimevar.DefaultURLMux()
	for _, s := range VariableSchemes() {
		if s == constantvar.Scheme {
			m.RegisterVariable(s, &constantvar.URLOpener{})
			continue
		}
		if s == filevar.Scheme {
			m.RegisterVariable(s, &filevar.URLOpener{})
			continue
		}
		// The cloud drivers' default openers are unexported and resolve
		// credentials lazily from the environment; borrow them from the
		// default mux through a forwarding opener.
		m.RegisterVariable(s, forwardVariable{def})
	}
	return m
}

func newKeeperMux() *secrets.URLMux {
	m := new(secrets.URLMux)
	def := secrets.DefaultURLMux()
	for _, s := range KeeperSchemes() {
		if s == localsecrets.Scheme {
			m.RegisterKeeper(s, &localsecrets.URLOpener{})
			continue
		}
		m.RegisterKeeper(s, forwardKeeper{def})
	}
	return m
}

type forwardVariable struct{ mux *runtimevar.URLMux }

func (f forwardVariable) OpenVariableURL(ctx context.Context, u *url.URL) (*runtimevar.Variable, error) {
	return f.mux.OpenVariableURL(ctx, u)
}

type forwardKeeper struct{ mux *secrets.URLMux }

func (f forwardKeeper) OpenKeeperURL(ctx context.Context, u *url.URL) (*secrets.Keeper, error) {
	return f.mux.OpenKeeperURL(ctx, u)
}

// VariableSchemes lists the runtimevar URL schemes Read accepts.
func VariableSchemes() []string {
	return []string{
		awsparamstore.Scheme,
		awssecretsmanager.Scheme,
		constantvar.Scheme,
		filevar.Scheme,
		gcpruntimeconfig.Scheme,
		gcpsecretmanager.Scheme,
	}
}

// KeeperSchemes lists the secrets keeper URL schemes the decrypt parameter
// accepts.
func KeeperSchemes() []string {
	return []string{
		awskms.Scheme,
		azurekeyvault.Scheme,
		gcpkms.Scheme,
		hashivault.Scheme,
		localsecrets.Scheme,
	}
}

// Secret is a parsed secret URL: where the value lives and, if it is
// encrypted, which keeper decrypts it.
type Secret struct {
	// Variable is the runtimevar URL without this package's parameters.
	Variable string
	// Keeper is the secrets keeper URL, or empty if the value is plain.
	Keeper string
	// Base64 says the ciphertext is stored base64-encoded.
	Base64 bool
}

// Parse splits a secret URL into its parts and checks the schemes, so that
// configuration errors surface before anything is fetched.
func Parse(rawURL string) (Secret, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Secret{}, fmt.Errorf("gocloudsecrets: %w", err)
	}
	if !slices.Contains(VariableSchemes(), u.Scheme) {
		return Secret{}, fmt.Errorf("gocloudsecrets: %s: unknown scheme %q (known: %s)", redact(u), u.Scheme, strings.Join(VariableSchemes(), ", "))
	}
	q := u.Query()
	if q.Has("decoder") {
		return Secret{}, fmt.Errorf("gocloudsecrets: %s: the decoder parameter is not supported; secrets are read as bytes, encrypted ones with the decrypt parameter", redact(u))
	}
	s := Secret{Keeper: q.Get("decrypt")}
	switch enc := q.Get("encoding"); enc {
	case "", "raw":
	case "base64":
		s.Base64 = true
	default:
		return Secret{}, fmt.Errorf("gocloudsecrets: %s: encoding %q: want raw or base64", redact(u), enc)
	}
	if q.Has("encoding") && s.Keeper == "" {
		return Secret{}, fmt.Errorf("gocloudsecrets: %s: encoding applies to ciphertext and needs the decrypt parameter", redact(u))
	}
	if q.Has("decrypt") {
		k, err := url.Parse(s.Keeper)
		if err != nil {
			return Secret{}, fmt.Errorf("gocloudsecrets: %s: decrypt: %w", redact(u), err)
		}
		if !slices.Contains(KeeperSchemes(), k.Scheme) {
			return Secret{}, fmt.Errorf("gocloudsecrets: %s: decrypt: unknown keeper scheme %q (known: %s)", redact(u), k.Scheme, strings.Join(KeeperSchemes(), ", "))
		}
		if k.Scheme == localsecrets.Scheme {
			// localsecrets makes up a random key for an empty host, which
			// could decrypt nothing; and its errors would print the key.
			if k.Host == "" {
				return Secret{}, fmt.Errorf("gocloudsecrets: %s: decrypt: base64key:// needs the key as host", redact(u))
			}
			if _, err := localsecrets.Base64Key(k.Host); err != nil || k.RawQuery != "" {
				return Secret{}, fmt.Errorf("gocloudsecrets: %s: decrypt: base64key://<key> wants 32 bytes in URL-safe base64 and no parameters", redact(u))
			}
		}
	}
	q.Del("decrypt")
	q.Del("encoding")
	u.RawQuery = q.Encode()
	s.Variable = urlString(u)
	return s, nil
}

// OpenVariable opens the runtimevar URL with this package's schemes. The
// caller closes the variable.
func OpenVariable(ctx context.Context, rawURL string) (*runtimevar.Variable, error) {
	return variableMux.OpenVariable(ctx, rawURL)
}

// OpenKeeper opens the secrets keeper URL with this package's schemes. The
// caller closes the keeper.
func OpenKeeper(ctx context.Context, rawURL string) (*secrets.Keeper, error) {
	return keeperMux.OpenKeeper(ctx, rawURL)
}

// Read fetches the secret a URL names, decrypting it if the URL says so
// (see the package documentation for the URL forms). It waits for the
// first fetch, which fails at once for a missing file or secret.
func Read(ctx context.Context, rawURL string) ([]byte, error) {
	s, err := Parse(rawURL)
	if err != nil {
		return nil, err
	}
	v, err := OpenVariable(ctx, s.Variable)
	if err != nil {
		return nil, fmt.Errorf("gocloudsecrets: %s", scrub(err, s.Variable))
	}
	defer v.Close()
	var k *secrets.Keeper
	if s.Keeper != "" {
		k, err = OpenKeeper(ctx, s.Keeper)
		if err != nil {
			return nil, fmt.Errorf("gocloudsecrets: decrypt: %s", scrub(err, s.Keeper))
		}
		defer k.Close()
	}
	return readVariable(ctx, v, k, s.Base64)
}

// ReadVariable returns the variable's current value, decrypted by k when k
// is not nil. The variable must have been opened with
// runtimevar.BytesDecoder, and not be watched by anyone else: a fresh
// variable answers with its first fetch, good or bad.
func ReadVariable(ctx context.Context, v *runtimevar.Variable, k *secrets.Keeper) ([]byte, error) {
	if v == nil {
		return nil, errors.New("gocloudsecrets: ReadVariable needs a variable")
	}
	return readVariable(ctx, v, k, false)
}

func readVariable(ctx context.Context, v *runtimevar.Variable, k *secrets.Keeper, b64 bool) ([]byte, error) {
	// Watch, not Latest: the first Watch returns the first fetch, good or
	// bad, where Latest would wait for a good value forever (a file that
	// does not exist yet). A variable that already has a good value
	// answers from it.
	var snap runtimevar.Snapshot
	var err error
	if v.CheckHealth() == nil {
		snap, err = v.Latest(ctx)
	} else {
		snap, err = v.Watch(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("gocloudsecrets: read: %w", err)
	}
	val, ok := snap.Value.([]byte)
	if !ok {
		return nil, fmt.Errorf("gocloudsecrets: read: the variable holds %T; open it with runtimevar.BytesDecoder", snap.Value)
	}
	if k == nil {
		return val, nil
	}
	if b64 {
		val, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(val)))
		if err != nil {
			return nil, fmt.Errorf("gocloudsecrets: ciphertext is not base64: %w", err)
		}
	}
	plain, err := k.Decrypt(ctx, val)
	if err != nil {
		return nil, fmt.Errorf("gocloudsecrets: decrypt: %w", err)
	}
	return plain, nil
}

// redact drops the query and any user information from a URL for error
// messages: constant:// URLs carry the secret itself in the query, and
// keeper URLs may carry a key.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return urlString(&c)
}

// urlString is u.String but keeps "constant://" whole: url.URL drops the
// slashes when host and path are empty.
func urlString(u *url.URL) string {
	if u.Host != "" || u.Path != "" || u.Opaque != "" || u.User != nil || u.Scheme == "" {
		return u.String()
	}
	c := *u
	c.Scheme = ""
	return u.Scheme + "://" + c.String()
}

// scrub returns the error's text with the URL's query removed wherever the
// driver echoed the URL: a constant:// URL carries the secret itself.
func scrub(err error, rawURL string) string {
	msg := err.Error()
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return msg
	}
	// Drivers print the URL as url.URL writes it, which may differ from
	// the text given (constant:?val=… for constant://?val=…).
	msg = strings.ReplaceAll(msg, rawURL, redact(u))
	return strings.ReplaceAll(msg, u.String(), redact(u))
}

// ErrEmpty is returned by ReadNonEmpty for a secret that exists but holds
// nothing, which is always a configuration mistake for a key.
var ErrEmpty = errors.New("gocloudsecrets: the secret is empty")

// ReadNonEmpty is Read that also rejects an empty value.
func ReadNonEmpty(ctx context.Context, rawURL string) ([]byte, error) {
	b, err := Read(ctx, rawURL)
	if err == nil && len(b) == 0 {
		return nil, ErrEmpty
	}
	return b, err
}
