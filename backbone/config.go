package backbone

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
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

	Logger *slog.Logger
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
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return errors.Join(errs...)
}
