package backbone

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// PasswordPolicy is what a device password must satisfy.
type PasswordPolicy struct {
	MinLength       int
	RequireUpper    bool
	RequireLower    bool
	RequireDigit    bool
	RequireNonAlnum bool
}

// check returns the first rule the password breaks, as a message for the
// client, or "".
func (p PasswordPolicy) check(pw string) string {
	if len([]rune(pw)) < max(p.MinLength, 1) {
		return fmt.Sprintf("Passwords must be at least %d characters.", max(p.MinLength, 1))
	}
	var upper, lower, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case !unicode.IsLetter(r):
			other = true
		}
	}
	switch {
	case p.RequireNonAlnum && !other:
		return "Passwords must have at least one non alphanumeric character."
	case p.RequireDigit && !digit:
		return "Passwords must have at least one digit ('0'-'9')."
	case p.RequireLower && !lower:
		return "Passwords must have at least one lowercase ('a'-'z')."
	case p.RequireUpper && !upper:
		return "Passwords must have at least one uppercase ('A'-'Z')."
	}
	return ""
}

// Argon2id parameters. The hash string records them, so raising them later
// keeps old hashes verifiable.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashPassword returns a PHC-style argon2id hash string.
func hashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// verifyPassword compares pw with a hash made by hashPassword in constant
// time. A malformed hash never verifies.
func verifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || p == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
