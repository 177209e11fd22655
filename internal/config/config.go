// Package config loads the reference server's configuration: landscape
// defaults, then an optional YAML file, then environment variables, then
// command-line flags, each overriding the one before.
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/openbackbone/openbackbone/backbone"
)

// EnvPrefix starts every environment variable the server reads.
const EnvPrefix = "OPENBACKBONE_"

// Config is everything the reference server can be told. Field tags name
// the YAML key; the environment variable is EnvPrefix + the upper-cased key
// with dots as underscores (OPENBACKBONE_DATABASE, OPENBACKBONE_AUTH_TOKENLIFETIME).
type Config struct {
	Landscape string `yaml:"landscape"`
	// BasedOn names the built-in landscape (dev, stage, prod) whose
	// defaults a custom landscape starts from.
	BasedOn  string `yaml:"basedOn"`
	Listen   string `yaml:"listen"`
	DataDir  string `yaml:"dataDir"`
	Database string `yaml:"database"`
	// Bus is the event bus URL: mem:// (in-process), rabbit://?server=…,
	// nats://?server=…, azuresb://, awssnssqs://, gcppubsub://.
	Bus string `yaml:"bus"`
	// Blob is the file content store URL: file://<dir> (default
	// <dataDir>/files), mem://, s3://…, azblob://…, gs://….
	Blob          string `yaml:"blob"`
	DidDomainName string `yaml:"didDomainName"`
	LogLevel      string `yaml:"logLevel"`
	LogFormat     string `yaml:"logFormat"`
	// MigrateOnStart applies pending database migrations when serving.
	MigrateOnStart bool `yaml:"migrateOnStart"`
	Auth           Auth `yaml:"auth"`
	// SeedClients are OAuth clients created at start when missing.
	SeedClients []SeedClient `yaml:"seedClients"`
	Pagination  Pagination   `yaml:"pagination"`
	Messages    Messages     `yaml:"messages"`
	// PublicRelationshipTemplateReferences lists per OAuth client ID the
	// templates advertised to its users (file only).
	PublicRelationshipTemplateReferences map[string][]backbone.PublicTemplateReference `yaml:"publicRelationshipTemplateReferences"`
	// Push chooses the push providers.
	Push Push `yaml:"push"`
	// NotificationTexts are the codes clients may send to their peers with
	// POST /Notifications, each with a title and body per language ("en"
	// required) (file only).
	NotificationTexts []backbone.NotificationText `yaml:"notificationTexts"`
	// Tags is the tag tree GET /api/v2/Tags serves: supportedLanguages
	// (en required) and tagsForAttributeValueTypes (file only).
	Tags TagTree `yaml:"tags"`
	// Admin configures the Admin API.
	Admin Admin `yaml:"admin"`
	// Jobs configures identity deletion and the background jobs.
	Jobs Jobs `yaml:"jobs"`
	// TLS, HTTP, RateLimit and CORS are the gateway duties the server does
	// itself (gateway.go).
	TLS       TLS       `yaml:"tls"`
	HTTP      HTTP      `yaml:"http"`
	RateLimit RateLimit `yaml:"rateLimit"`
	CORS      CORS      `yaml:"cors"`
	// Metrics and Tracing configure observability (telemetry.go).
	Metrics Metrics `yaml:"metrics"`
	Tracing Tracing `yaml:"tracing"`
}

// Jobs configures identity deletion and the jobs that send reminders,
// delete identities and keep house (the job subcommand runs each once).
type Jobs struct {
	// Embedded runs all three jobs once a day inside serve, at At (on in
	// dev). With several replicas, prefer one scheduled job subcommand per
	// deployment; the jobs are safe but wasteful to run concurrently.
	Embedded bool `yaml:"embedded"`
	// At is the time of day, UTC, HH:MM, at which the embedded scheduler
	// runs the jobs.
	At string `yaml:"at"`
	// GracePeriod is how long an identity may cancel its deletion unless
	// it asks for another length.
	GracePeriod time.Duration `yaml:"gracePeriod"`
}

// Admin configures the operator's Admin API (/api/v1).
type Admin struct {
	// APIKey is what requests send in X-API-KEY. Empty (the default
	// outside dev) leaves every Admin API request answering 401.
	APIKey string `yaml:"apiKey"`
	// Listen is a second address to serve the Admin API on; empty serves
	// it on Listen beside the Consumer API.
	Listen string `yaml:"listen"`
	// XSRFKey signs XSRF tokens; replicas behind one load balancer need the
	// same one. Empty means a random key per process.
	XSRFKey string `yaml:"xsrfKey"`
	// UI serves the operator's web UI at /admin/ beside the Admin API
	// (on its listener); on by default, but only served when APIKey is set.
	UI bool `yaml:"ui"`
}

// Push chooses the push providers and tunes their sending.
type Push struct {
	// Dummy accepts registrations for the platform dummy and delivers
	// nowhere (on in dev).
	Dummy bool `yaml:"dummy"`
	// SSE serves server-sent events at /api/v2/sse, delivered across
	// replicas through the bus (which must be mem, rabbit or nats).
	SSE bool `yaml:"sse"`
	// SSEKeepAlive is the pause between keep-alive events.
	SSEKeepAlive time.Duration `yaml:"sseKeepAlive"`
	// Attempts, SendTimeout: how often a notification is tried, and how
	// long one try may take.
	Attempts    int           `yaml:"attempts"`
	SendTimeout time.Duration `yaml:"sendTimeout"`
	APNs        APNs          `yaml:"apns"`
	FCM         FCM           `yaml:"fcm"`
}

// APNs configures Apple's push service; it is on when Bundles is not empty
// (file only, but for the URLs).
type APNs struct {
	// Keys are the .p8 authentication keys by a name of the operator's
	// choice.
	Keys map[string]APNsKey `yaml:"keys"`
	// Bundles maps each app's bundle ID to the name of its key.
	Bundles map[string]string `yaml:"bundles"`
	// ProductionURL and DevelopmentURL replace Apple's endpoints (tests).
	ProductionURL  string `yaml:"productionUrl"`
	DevelopmentURL string `yaml:"developmentUrl"`
}

// APNsKey is one APNs authentication key. The private key is given inline
// or, better, as a file (a mounted secret).
type APNsKey struct {
	TeamID         string `yaml:"teamId"`
	KeyID          string `yaml:"keyId"`
	PrivateKey     string `yaml:"privateKey"`
	PrivateKeyFile string `yaml:"privateKeyFile"`
	// PrivateKeyURL names the key in a secret store (see adapters/gocloudsecrets).
	PrivateKeyURL string `yaml:"privateKeyUrl"`
}

// FCM configures Firebase Cloud Messaging; it is on when Apps is not empty
// (file only, but for the URL).
type FCM struct {
	// ServiceAccounts are Google service-account keys by name, each the
	// JSON inline or a file holding it (a mounted secret).
	ServiceAccounts map[string]FCMServiceAccount `yaml:"serviceAccounts"`
	// Apps maps each app ID to the name of its service account.
	Apps map[string]string `yaml:"apps"`
	// BaseURL replaces Google's FCM endpoint (tests).
	BaseURL string `yaml:"baseUrl"`
}

// FCMServiceAccount is one service-account key.
type FCMServiceAccount struct {
	JSON string `yaml:"json"`
	File string `yaml:"file"`
	// URL names the JSON in a secret store (see adapters/gocloudsecrets).
	URL string `yaml:"url"`
}

// Auth configures logins and access tokens.
type Auth struct {
	TokenLifetime   time.Duration `yaml:"tokenLifetime"`
	SigningKeyFile  string        `yaml:"signingKeyFile"`
	MaxFailedLogins int           `yaml:"maxFailedLogins"`
	LockoutDuration time.Duration `yaml:"lockoutDuration"`
	// PasswordMinLength and PasswordRequireClasses set the device password
	// policy; the classes are upper, lower, digit and non-alphanumeric.
	PasswordMinLength      int  `yaml:"passwordMinLength"`
	PasswordRequireClasses bool `yaml:"passwordRequireClasses"`

	// SigningKey names the PEM signing key in a secret store instead of a
	// file: a runtimevar URL, optionally decrypted by a keeper (see
	// adapters/gocloudsecrets). Give it or SigningKeyFile, not both.
	SigningKey string `yaml:"signingKey"`
}

// SeedClient is an OAuth client to create at start.
type SeedClient struct {
	ClientID     string `yaml:"clientId"`
	ClientSecret string `yaml:"clientSecret"`
	DisplayName  string `yaml:"displayName"`
}

// Messages sets the limits of messaging.
type Messages struct {
	MaxRecipients              int `yaml:"maxRecipients"`
	MaxUnreceivedFromOneSender int `yaml:"maxUnreceivedFromOneSender"`
}

// Pagination sets list page sizes.
type Pagination struct {
	DefaultPageSize int `yaml:"defaultPageSize"`
	MaxPageSize     int `yaml:"maxPageSize"`
}

// Defaults returns the settings of a landscape. dev mirrors the reference's
// test setup: SQLite under ./data, DID domain localhost, an OAuth client
// test/test, the relaxed password policy and lockout.
func Defaults(landscape string) (Config, error) {
	c := Config{
		Landscape:      landscape,
		Listen:         "127.0.0.1:8080",
		DataDir:        "./data",
		LogLevel:       "info",
		LogFormat:      "text",
		MigrateOnStart: true,
		Bus:            "mem://",
		Auth: Auth{
			TokenLifetime: 300 * time.Second, MaxFailedLogins: 3, LockoutDuration: 10 * time.Minute,
			PasswordMinLength: 10, PasswordRequireClasses: true,
		},
		Pagination: Pagination{DefaultPageSize: 50, MaxPageSize: 200},
		Admin:      Admin{UI: true},
		Push:       Push{SSE: true, SSEKeepAlive: 240 * time.Second, Attempts: 5, SendTimeout: 10 * time.Second},
		Messages:   Messages{MaxRecipients: 1, MaxUnreceivedFromOneSender: 20},
		Tags:       TagTree{SupportedLanguages: []string{"en"}},
		Jobs:       Jobs{At: "00:00", GracePeriod: 14 * 24 * time.Hour},
	}
	c.gatewayDefaults(landscape) // gateway.go
	c.telemetryDefaults()        // telemetry.go
	switch landscape {
	case "dev":
		c.DidDomainName = "localhost"
		c.LogLevel = "debug"
		c.Auth.LockoutDuration = time.Minute
		c.Auth.PasswordMinLength, c.Auth.PasswordRequireClasses = 1, false
		c.SeedClients = []SeedClient{{ClientID: "test", ClientSecret: "test", DisplayName: "Test client"}}
		c.Messages.MaxRecipients = 5
		c.Push.Dummy = true
		c.Jobs.Embedded = true
		c.Admin.APIKey = "test"
		c.NotificationTexts = []backbone.NotificationText{{Code: "TestCode", Translations: map[string]backbone.PushMessage{
			"en": {Title: "Test notification", Body: "This is a test notification."},
			"de": {Title: "Testbenachrichtigung", Body: "Dies ist eine Testbenachrichtigung."},
		}}}
		c.Tags = TagTree{
			SupportedLanguages: []string{"de", "en"},
			TagsForAttributeValueTypes: map[string]map[string]backbone.Tag{
				"IdentityFileReference": {"schulabschluss": {
					DisplayNames: map[string]string{"de": "Abschluss", "en": "Degree"},
					Children: map[string]backbone.Tag{"realschule": {
						DisplayNames: map[string]string{"de": "Realschule", "en": "Secondary school"},
					}},
				}},
				"PhoneNumber": {"notfall": {DisplayNames: map[string]string{"de": "Notfall", "en": "Emergency"}}},
			},
		}
	case "stage", "prod":
		c.LogFormat = "json"
		// The reference migrates on start only in development; elsewhere
		// the migrate subcommand runs once per release (a Helm hook).
		c.MigrateOnStart = false
	default:
		return Config{}, fmt.Errorf("config: unknown landscape %q (known: dev, stage, prod)", landscape)
	}
	return c, nil
}

// Load reads the configuration from args (flags) and the environment. The
// landscape comes from -landscape or OPENBACKBONE_LANDSCAPE (default dev);
// the YAML file from -config or OPENBACKBONE_CONFIG.
func Load(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("reference-server", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	landscape := fs.String("landscape", "", "dev, stage or prod (env OPENBACKBONE_LANDSCAPE; default dev)")
	file := fs.String("config", "", "YAML configuration file (env OPENBACKBONE_CONFIG)")
	listen := fs.String("listen", "", "address to serve on, host:port")
	dataDir := fs.String("data-dir", "", "directory for the embedded database and keys")
	database := fs.String("database", "", "database DSN: sqlite:<path>, postgres://… or sqlserver://…?database=…")
	domain := fs.String("did-domain", "", "DID domain name (the host name clients use)")
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("config: %w\n%s", err, usage(fs))
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("config: unexpected arguments %q", fs.Args())
	}
	name := first(*landscape, getenv(EnvPrefix+"LANDSCAPE"), "dev")
	path := first(*file, getenv(EnvPrefix+"CONFIG"))
	var raw []byte
	if path != "" {
		var err error
		if raw, err = os.ReadFile(path); err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
	}
	c, err := landscapeDefaults(name, raw, path, getenv) // landscape.go
	if err != nil {
		return Config{}, err
	}
	if path != "" {
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("config: %s: %w", path, err)
		}
		if c.Landscape != name {
			return Config{}, fmt.Errorf("config: %s sets landscape %q, but %q was chosen; choose it with -landscape or OPENBACKBONE_LANDSCAPE", path, c.Landscape, name)
		}
	}
	if err := applyEnv(reflect.ValueOf(&c).Elem(), "", getenv); err != nil {
		return Config{}, err
	}
	c.Landscape = name // the defaults are name's, even if -landscape beat the environment
	for _, f := range []struct {
		flag string
		dst  *string
	}{{*listen, &c.Listen}, {*dataDir, &c.DataDir}, {*database, &c.Database}, {*domain, &c.DidDomainName}} {
		if f.flag != "" {
			*f.dst = f.flag
		}
	}
	if c.Database == "" {
		c.Database = "sqlite:" + filepath.Join(c.DataDir, "backbone.db")
	}
	if c.Blob == "" {
		dir, err := filepath.Abs(filepath.Join(c.DataDir, "files"))
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		c.Blob = "file://" + dir
	}
	return c, c.validate()
}

func (c Config) validate() error {
	var errs []error
	if c.DidDomainName == "" {
		errs = append(errs, errors.New("config: didDomainName is required outside the dev landscape"))
	}
	if c.Listen == "" {
		errs = append(errs, errors.New("config: listen is required"))
	}
	if c.Admin.Listen != "" && c.Admin.Listen == c.Listen {
		errs = append(errs, errors.New("config: admin.listen must differ from listen; leave it empty to share the listener"))
	}
	if _, err := time.Parse("15:04", c.Jobs.At); err != nil {
		errs = append(errs, fmt.Errorf("config: jobs.at %q must be a time of day HH:MM", c.Jobs.At))
	}
	if c.Jobs.GracePeriod < 0 {
		errs = append(errs, errors.New("config: jobs.gracePeriod must not be negative"))
	}
	errs = append(errs, c.validateSecrets()...)
	errs = append(errs, c.validateTelemetry()...)
	errs = append(errs, c.validateGateway()...)
	errs = append(errs, c.validateLandscape()...)
	for _, sc := range c.SeedClients {
		if sc.ClientID == "" || sc.ClientSecret == "" {
			errs = append(errs, errors.New("config: every seed client needs clientId and clientSecret"))
		}
	}
	return errors.Join(errs...)
}

// applyEnv overrides every scalar field for which an environment variable is
// set. Slices are configured by file only.
func applyEnv(v reflect.Value, prefix string, getenv func(string) string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		key := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		name := prefix + strings.ToUpper(key)
		f := v.Field(i)
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String {
			// Lists of words (origins, proxies): comma-separated.
			if raw := getenv(EnvPrefix + name); raw != "" {
				var items []string
				for _, item := range strings.Split(raw, ",") {
					if item = strings.TrimSpace(item); item != "" {
						items = append(items, item)
					}
				}
				f.Set(reflect.ValueOf(items).Convert(f.Type()))
			}
			continue
		}
		if f.Kind() == reflect.Map || f.Kind() == reflect.Slice {
			continue // configured by file only
		}
		if f.Kind() == reflect.Struct {
			if err := applyEnv(f, name+"_", getenv); err != nil {
				return err
			}
			continue
		}
		raw := getenv(EnvPrefix + name)
		if raw == "" {
			continue
		}
		var err error
		switch {
		case f.Type() == reflect.TypeFor[time.Duration]():
			var d time.Duration
			d, err = time.ParseDuration(raw)
			f.SetInt(int64(d))
		case f.Kind() == reflect.String:
			f.SetString(raw)
		case f.Kind() == reflect.Int:
			var n int
			n, err = strconv.Atoi(raw)
			f.SetInt(int64(n))
		case f.Kind() == reflect.Bool:
			var b bool
			b, err = strconv.ParseBool(raw)
			f.SetBool(b)
		case f.Kind() == reflect.Float64:
			var x float64
			x, err = strconv.ParseFloat(raw, 64)
			f.SetFloat(x)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("config: %s%s=%q: %w", EnvPrefix, name, raw, err)
		}
	}
	return nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func usage(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return b.String()
}
