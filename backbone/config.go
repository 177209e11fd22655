package backbone

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Config holds the behaviour a hoster chooses. DefaultConfig gives the
// reference's production values; the zero value is not usable.
type Config struct {
	// DidDomainName is the host name clients use for this Backbone; it is
	// part of every identity address and must equal what the clients see,
	// or they reject the addresses the server derives.
	DidDomainName string

	PasswordPolicy PasswordPolicy
	// MaxFailedLogins consecutive failures lock a device out for
	// LockoutDuration.
	MaxFailedLogins int
	LockoutDuration time.Duration

	// AccessTokenLifetime is how long an access token is valid (60 s–1 h).
	AccessTokenLifetime time.Duration
	// TokenSigningKey signs access tokens: an *rsa.PrivateKey (RS256),
	// *ecdsa.PrivateKey on P-256 (ES256) or ed25519.PrivateKey (EdDSA).
	// Every replica of one Backbone must share it.
	TokenSigningKey crypto.Signer
	// TokenIssuer is the iss claim of access tokens.
	TokenIssuer string

	ChallengeLifetime time.Duration

	DefaultPageSize int
	MaxPageSize     int

	MaxFeatureFlagsPerIdentity int

	// MaxMessageRecipients bounds the recipients of one message;
	// MaxUnreceivedMessagesFromOneSender bounds how many messages a sender
	// may have waiting unread at one recipient.
	MaxMessageRecipients               int
	MaxUnreceivedMessagesFromOneSender int

	// PublicRelationshipTemplateReferences lists, per OAuth client ID, the
	// templates the operator advertises to that client's users.
	PublicRelationshipTemplateReferences map[string][]PublicTemplateReference

	// NotificationTexts are the text notifications clients may send to
	// their peers by code (POST /Notifications).
	NotificationTexts []NotificationText

	// Push tunes the sending of push notifications.
	Push PushConfig

	// Deletion sets the grace period of identity deletion and the
	// retention periods of the jobs.
	Deletion DeletionConfig

	// Tags is the tag tree GET /Tags serves.
	Tags TagsConfig

	Logger *slog.Logger
}

// PushConfig tunes how push notifications are sent: in the background, per
// provider, with retries after exponential backoff.
type PushConfig struct {
	// Attempts is how often one notification is tried before it is given
	// up.
	Attempts int
	// FirstBackoff is the pause before the first retry; it doubles with
	// each retry up to MaxBackoff.
	FirstBackoff, MaxBackoff time.Duration
	// SendTimeout bounds one attempt at a provider.
	SendTimeout time.Duration
	// Workers is the number of concurrent sends per provider.
	Workers int
	// QueueCapacity bounds the notifications waiting per provider; beyond
	// it new ones are dropped and logged.
	QueueCapacity int
	// StreamRegistrationCheck is how often an open stream makes sure its
	// device is still registered for server-sent events.
	StreamRegistrationCheck time.Duration
}

// PublicTemplateReference points to a template an operator publishes.
type PublicTemplateReference struct {
	Title              string `yaml:"title"`
	Description        string `yaml:"description"`
	TruncatedReference string `yaml:"truncatedReference"`
}

// DefaultConfig returns the reference's production values. DidDomainName and
// TokenSigningKey are left for the caller.
func DefaultConfig() Config {
	return Config{
		PasswordPolicy:                     PasswordPolicy{MinLength: 10, RequireUpper: true, RequireLower: true, RequireDigit: true, RequireNonAlnum: true},
		MaxFailedLogins:                    3,
		LockoutDuration:                    10 * time.Minute,
		AccessTokenLifetime:                300 * time.Second,
		TokenIssuer:                        "openbackbone",
		ChallengeLifetime:                  10 * time.Minute,
		DefaultPageSize:                    50,
		MaxPageSize:                        200,
		MaxFeatureFlagsPerIdentity:         200,
		MaxMessageRecipients:               1,
		MaxUnreceivedMessagesFromOneSender: 20,
		Deletion:                           DefaultDeletionConfig(),
		Push: PushConfig{
			Attempts: 5, FirstBackoff: time.Second, MaxBackoff: time.Minute, SendTimeout: 10 * time.Second,
			Workers: 8, QueueCapacity: 10000, StreamRegistrationCheck: time.Minute,
		},
		Tags: TagsConfig{SupportedLanguages: []string{"en"}},
	}
}

// DevelopmentConfig relaxes DefaultConfig like the reference's Development
// environment: any non-empty password, a one-minute lockout.
func DevelopmentConfig() Config {
	c := DefaultConfig()
	c.PasswordPolicy = PasswordPolicy{MinLength: 1}
	c.LockoutDuration = time.Minute
	c.MaxMessageRecipients = 5
	return c
}

func (c *Config) validate() error {
	var errs []error
	if n := len(c.DidDomainName); n < 3 || n > 45 || !addressPattern.MatchString("did:e:"+c.DidDomainName+":dids:0000000000000000000000") {
		errs = append(errs, fmt.Errorf("DidDomainName %q must be a lower-case host name of 3 to 45 characters", c.DidDomainName))
	}
	if c.AccessTokenLifetime < time.Minute || c.AccessTokenLifetime > time.Hour {
		errs = append(errs, fmt.Errorf("AccessTokenLifetime %s must lie between 60 s and 1 h", c.AccessTokenLifetime))
	}
	switch k := c.TokenSigningKey.(type) {
	case *rsa.PrivateKey, ed25519.PrivateKey:
	case *ecdsa.PrivateKey:
		if k.Curve.Params().Name != "P-256" {
			errs = append(errs, errors.New("TokenSigningKey: only the P-256 curve is supported for ECDSA"))
		}
	case nil:
		errs = append(errs, errors.New("TokenSigningKey is required"))
	default:
		errs = append(errs, fmt.Errorf("TokenSigningKey: unsupported key type %T", k))
	}
	if c.MaxFailedLogins < 1 || c.LockoutDuration <= 0 {
		errs = append(errs, errors.New("MaxFailedLogins and LockoutDuration must be positive"))
	}
	if c.ChallengeLifetime <= 0 {
		errs = append(errs, errors.New("ChallengeLifetime must be positive"))
	}
	if c.DefaultPageSize < 1 || c.MaxPageSize < c.DefaultPageSize || c.MaxPageSize > 1000 {
		errs = append(errs, errors.New("page sizes must satisfy 1 <= DefaultPageSize <= MaxPageSize <= 1000"))
	}
	if c.MaxMessageRecipients < 1 || c.MaxUnreceivedMessagesFromOneSender < 1 || c.MaxUnreceivedMessagesFromOneSender > 100 {
		errs = append(errs, errors.New("MaxMessageRecipients must be positive and MaxUnreceivedMessagesFromOneSender between 1 and 100"))
	}
	if c.MaxFeatureFlagsPerIdentity < 1 {
		errs = append(errs, errors.New("MaxFeatureFlagsPerIdentity must be positive"))
	}
	p := c.Push
	if p.Attempts < 1 || p.FirstBackoff <= 0 || p.MaxBackoff < p.FirstBackoff || p.SendTimeout <= 0 || p.Workers < 1 || p.QueueCapacity < 1 || p.StreamRegistrationCheck <= 0 {
		errs = append(errs, errors.New("Push: Attempts, Workers and QueueCapacity must be positive, FirstBackoff, SendTimeout and StreamRegistrationCheck positive, MaxBackoff at least FirstBackoff"))
	}
	codes := map[string]bool{}
	for _, t := range c.NotificationTexts {
		switch {
		case strings.TrimSpace(t.Code) == "":
			errs = append(errs, errors.New("NotificationTexts: every text needs a code"))
		case codes[t.Code]:
			errs = append(errs, fmt.Errorf("NotificationTexts: the code %q appears twice", t.Code))
		case t.Translations["en"].Title == "" && t.Translations["en"].Body == "":
			errs = append(errs, fmt.Errorf("NotificationTexts: %q needs an English (en) translation", t.Code))
		}
		codes[t.Code] = true
		for lang := range t.Translations {
			if !iso639_1[lang] {
				errs = append(errs, fmt.Errorf("NotificationTexts: %q has a translation for %q, which is no ISO 639-1 code", t.Code, lang))
			}
		}
	}
	if err := c.Deletion.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Tags.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return errors.Join(errs...)
}
