package backbone

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Auth logs devices in with the OAuth password grant and checks the access
// tokens it issues.
type Auth struct {
	b        *Backbone
	verified verifiedTokens
}

// PasswordGrant is an OAuth resource-owner password credentials request.
type PasswordGrant struct {
	ClientID     string
	ClientSecret string
	Username     string
	Password     string
}

// AccessToken is an issued bearer token.
type AccessToken struct {
	Token     string
	ExpiresIn time.Duration
}

func oauthError(kind Kind, code, description string) *Error {
	return &Error{Kind: kind, Code: code, Message: description}
}

var (
	errInvalidClient = oauthError(KindUnauthenticated, OAuthInvalidClient, "The specified client credentials are invalid.")
	errInvalidGrant  = oauthError(KindInvalid, OAuthInvalidGrant, "The username/password couple is invalid.")
	errLockedOut     = oauthError(KindInvalid, OAuthAccessDenied, "The user is temporarily locked out.")
)

// Login checks a device's credentials and issues an access token. Errors
// carry OAuth error codes (invalid_client, invalid_grant, access_denied).
// Consecutive failures lock the device out for a while; a backup device
// stops being one when it is first used.
func (s *Auth) Login(ctx context.Context, g PasswordGrant) (AccessToken, error) {
	b := s.b
	if g.Username == "" || g.Password == "" {
		return AccessToken{}, oauthError(KindInvalid, OAuthInvalidRequest, "The mandatory 'username' and/or 'password' parameters are missing.")
	}
	client, err := b.Clients.authenticate(ctx, g.ClientID, g.ClientSecret)
	if errors.Is(err, errBadClientCredentials) {
		return AccessToken{}, errInvalidClient
	} else if err != nil {
		return AccessToken{}, err
	}
	d, err := b.store.Devices().GetByUsername(ctx, strings.TrimSpace(g.Username))
	if errors.Is(err, driver.ErrNotFound) {
		return AccessToken{}, errInvalidGrant
	} else if err != nil {
		return AccessToken{}, internal("get device", err)
	}
	now := b.now()
	if d.LockedOutUntil != nil && d.LockedOutUntil.After(now) {
		return AccessToken{}, errLockedOut
	}
	if !verifyPassword(d.PasswordHash, g.Password) {
		return AccessToken{}, s.recordFailure(ctx, d.ID, now)
	}
	identity, err := b.store.Identities().Get(ctx, d.IdentityAddress)
	if err != nil {
		return AccessToken{}, internal("get identity", err)
	}
	if identity.Status == IdentityDeleting || identity.DeletionGracePeriodEndsAt != nil && identity.DeletionGracePeriodEndsAt.Before(now) {
		return AccessToken{}, errInvalidGrant
	}
	// Re-read inside the transaction: the password check above was slow,
	// and a concurrent password change must not be overwritten.
	err = b.inTx(ctx, func(tx driver.Tx) error {
		cur, err := tx.Devices().Get(ctx, d.ID)
		if err != nil {
			return internal("get device", err)
		}
		wasBackup := cur.IsBackupDevice
		cur.LastLoginAt, cur.FailedLogins, cur.LockedOutUntil, cur.IsBackupDevice = &now, 0, nil, false
		if err := tx.Devices().Update(ctx, cur); err != nil {
			return internal("update device", err)
		}
		if wasBackup {
			// Push notifications tell the identity's devices.
			return b.raise(ctx, tx, now, BackupDeviceUsed{IdentityAddress: cur.IdentityAddress})
		}
		return nil
	})
	if err != nil {
		return AccessToken{}, err
	}
	token, err := s.issue(Caller{Address: identity.Address, DeviceID: d.ID, Username: d.Username, ClientID: client.ClientID}, now)
	if err != nil {
		return AccessToken{}, internal("sign access token", err)
	}
	return AccessToken{Token: token, ExpiresIn: b.cfg.AccessTokenLifetime}, nil
}

// recordFailure counts a failed login and locks the device out once the
// limit is reached. The count is incremented atomically so concurrent
// guesses cannot slip past the limit.
func (s *Auth) recordFailure(ctx context.Context, deviceID string, now time.Time) error {
	b := s.b
	n, err := b.store.Devices().IncrementFailedLogins(ctx, deviceID)
	if err != nil {
		return internal("count failed login", err)
	}
	if n < b.cfg.MaxFailedLogins {
		return errInvalidGrant
	}
	err = b.store.InTx(ctx, func(tx driver.Tx) error {
		d, err := tx.Devices().Get(ctx, deviceID)
		if err != nil {
			return err
		}
		until := now.Add(b.cfg.LockoutDuration)
		d.FailedLogins, d.LockedOutUntil = 0, &until
		return tx.Devices().Update(ctx, d)
	})
	if err != nil {
		return internal("lock out device", err)
	}
	return errInvalidGrant
}

type accessClaims struct {
	jwt.RegisteredClaims
	Name     string `json:"name"`
	Address  string `json:"nmshd_address"`
	DeviceID string `json:"device_id"`
	ClientID string `json:"client_id"`
}

func (s *Auth) signingMethod() jwt.SigningMethod {
	switch s.b.cfg.TokenSigningKey.(type) {
	case *rsa.PrivateKey:
		return jwt.SigningMethodRS256
	case *ecdsa.PrivateKey:
		return jwt.SigningMethodES256
	default:
		return jwt.SigningMethodEdDSA
	}
}

func (s *Auth) issue(c Caller, now time.Time) (string, error) {
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.b.cfg.TokenIssuer,
			Subject:   c.DeviceID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.b.cfg.AccessTokenLifetime)),
			ID:        randomString(22, idAlphabet),
		},
		Name: c.Username, Address: c.Address, DeviceID: c.DeviceID, ClientID: c.ClientID,
	}
	t := jwt.NewWithClaims(s.signingMethod(), claims)
	t.Header["typ"] = "at+jwt"
	return t.SignedString(s.b.cfg.TokenSigningKey)
}

// Authenticate checks an access token issued by Login (by any replica that
// shares the signing key) and returns who it speaks for. It needs no store
// access, so it costs nothing on the hot path.
func (s *Auth) Authenticate(token string) (Caller, error) {
	now := s.b.clock.Now()
	if c, ok := s.verified.get(token, now); ok {
		return c, nil
	}
	method := s.signingMethod()
	var claims accessClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) {
		return s.b.cfg.TokenSigningKey.Public(), nil
	},
		jwt.WithValidMethods([]string{method.Alg()}),
		jwt.WithIssuer(s.b.cfg.TokenIssuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.b.clock.Now),
	)
	if err != nil {
		return Caller{}, &Error{Kind: KindUnauthenticated, Code: CodeUnauthorized, Message: "The access token is invalid.", Err: fmt.Errorf("backbone: access token: %w", err)}
	}
	if claims.Address == "" || claims.DeviceID == "" {
		return Caller{}, &Error{Kind: KindUnauthenticated, Code: CodeUnauthorized, Message: "The access token is invalid."}
	}
	c := Caller{Address: claims.Address, DeviceID: claims.DeviceID, Username: claims.Name, ClientID: claims.ClientID}
	vt := verifiedToken{caller: c, expiresAt: claims.ExpiresAt.Time}
	if claims.NotBefore != nil {
		vt.notBefore = claims.NotBefore.Time
	}
	s.verified.put(token, vt)
	return c, nil
}
