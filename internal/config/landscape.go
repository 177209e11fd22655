package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// BuiltIn are the landscapes with defaults of their own; any other
// landscape names one of them as its basedOn.
var BuiltIn = []string{"dev", "stage", "prod"}

var landscapeName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// Base is the built-in landscape c derives from: its own name for a
// built-in one. The server's landscape-dependent behaviour (a generated
// signing key in dev, the refusal of shortcuts in prod) follows Base.
func (c Config) Base() string {
	if c.BasedOn != "" {
		return c.BasedOn
	}
	return c.Landscape
}

// landscapeDefaults returns the defaults of the landscape name. A custom
// one (a temporary "perf" or "pentest" landscape) takes the defaults of the
// built-in landscape it is basedOn, given by OPENBACKBONE_BASEDON or the
// file (raw, from path).
func landscapeDefaults(name string, raw []byte, path string, getenv func(string) string) (Config, error) {
	var head struct {
		Landscape string `yaml:"landscape"`
		BasedOn   string `yaml:"basedOn"`
	}
	if raw != nil {
		// Only basedOn matters here; the full decode reports other errors.
		if err := yaml.NewDecoder(bytes.NewReader(raw)).Decode(&head); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if head.Landscape != "" && head.Landscape != name {
		return Config{}, fmt.Errorf("config: %s sets landscape %q, but %q was chosen; choose it with -landscape or OPENBACKBONE_LANDSCAPE", path, head.Landscape, name)
	}
	base := first(getenv(EnvPrefix+"BASEDON"), head.BasedOn)
	if slices.Contains(BuiltIn, name) {
		if base != "" && base != name {
			return Config{}, fmt.Errorf("config: the built-in landscape %q cannot be based on %q; name a custom landscape to base one on another", name, base)
		}
		return Defaults(name)
	}
	if !landscapeName.MatchString(name) {
		return Config{}, fmt.Errorf("config: landscape %q: use lower-case letters, digits and dashes, up to 32", name)
	}
	if base == "" {
		return Config{}, fmt.Errorf("config: unknown landscape %q (built in: %s); a custom landscape needs basedOn (in the file or %sBASEDON) naming one of them", name, strings.Join(BuiltIn, ", "), EnvPrefix)
	}
	if !slices.Contains(BuiltIn, base) {
		return Config{}, fmt.Errorf("config: landscape %q is based on %q, which is not built in (%s)", name, base, strings.Join(BuiltIn, ", "))
	}
	c, err := Defaults(base)
	if err != nil {
		return Config{}, err
	}
	c.Landscape, c.BasedOn = name, base
	return c, nil
}

// minSecretLength is the shortest secret prod accepts for seed clients and
// the Admin API key: long enough that guessing is hopeless.
const minSecretLength = 20

// devShortcuts lists what makes the dev landscape convenient and a
// production deployment unsafe. prod, and every landscape based on it,
// refuses to start with any of them; the error names them all at once, so
// an operator fixes the configuration in one go.
func (c Config) devShortcuts() []string {
	var found []string
	if c.Auth.SigningKey == "" && c.Auth.SigningKeyFile == "" {
		found = append(found, "no token signing key (auth.signingKeyFile or auth.signingKey); only dev generates one")
	}
	if c.Auth.SigningKeyFile != "" && filepath.Clean(c.Auth.SigningKeyFile) == filepath.Clean(filepath.Join(c.DataDir, DevSigningKeyFile)) {
		found = append(found, "auth.signingKeyFile is the key dev generates under dataDir; create one and keep it as a secret")
	}
	if strings.HasPrefix(c.Auth.SigningKey, "constant://") {
		found = append(found, "auth.signingKey is a constant:// URL, meant for tests")
	}
	for _, sc := range c.SeedClients {
		switch {
		case sc.ClientID == "test":
			found = append(found, `seed client "test" (the dev client)`)
		case len(sc.ClientSecret) < minSecretLength || sc.ClientSecret == sc.ClientID:
			found = append(found, fmt.Sprintf("seed client %q has a weak secret (want at least %d characters, not the client ID)", sc.ClientID, minSecretLength))
		}
	}
	// An empty key closes the Admin API (and leaves out the UI); a weak
	// one opens it to guessing.
	if k := c.Admin.APIKey; k != "" && (k == "test" || len(k) < minSecretLength) {
		found = append(found, fmt.Sprintf("admin.apiKey is weak (want at least %d characters; empty turns the Admin API off)", minSecretLength))
	}
	if strings.HasPrefix(c.Database, "sqlite:") {
		found = append(found, "database is SQLite; use PostgreSQL or SQL Server, which replicas can share")
	}
	if strings.HasPrefix(c.Bus, "mem://") {
		found = append(found, "bus is mem://, which loses events on restart and does not reach other replicas; use a broker")
	}
	if strings.HasPrefix(c.Blob, "mem://") {
		found = append(found, "blob is mem://, which loses file contents on restart")
	}
	if c.DidDomainName == "localhost" {
		found = append(found, "didDomainName is localhost; identity addresses carry it for good")
	}
	if c.Push.Dummy {
		found = append(found, "push.dummy accepts registrations that deliver nowhere")
	}
	return found
}

// DevSigningKeyFile is the key the dev landscape generates under dataDir
// (cmd/reference-server keeps the name).
const DevSigningKeyFile = "token-signing-key.pem"

func (c Config) validateLandscape() []error {
	if c.Base() != "prod" {
		return nil
	}
	if found := c.devShortcuts(); len(found) > 0 {
		return []error{fmt.Errorf("config: landscape %s refuses development shortcuts:\n  - %s", c.Landscape, strings.Join(found, "\n  - "))}
	}
	return nil
}
