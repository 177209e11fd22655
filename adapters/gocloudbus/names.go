package gocloudbus

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// Topic and subscription names are portable across every provider: dot-separated
// tokens of ASCII letters, digits and hyphens ("IdentityCreated",
// "Quotas.IdentityCreated"), at most maxNameLen characters. The underscore is
// not allowed, so providers whose names cannot hold a dot may map "." to "_",
// and providers with one flat namespace may join topic and subscription with
// "_", without two names ever colliding.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9][A-Za-z0-9-]*)*$`)

const (
	maxNameLen   = 80
	maxPrefixLen = 40
)

func validateName(kind, name string) error {
	if len(name) == 0 || len(name) > maxNameLen || !nameRE.MatchString(name) {
		return fmt.Errorf("gocloudbus: invalid %s name %q: want 1 to %d characters, dot-separated tokens of letters, digits and '-'", kind, name, maxNameLen)
	}
	return nil
}

// validatePrefix accepts "" and anything that forms a valid name when a name
// is appended: "openbackbone.", "ob-", "tenant1.openbackbone.".
func validatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if len(prefix) > maxPrefixLen || !nameRE.MatchString(prefix+"x") {
		return fmt.Errorf("gocloudbus: invalid prefix %q: want at most %d characters of letters, digits, '-' and '.', forming a valid name when a topic name is appended (e.g. \"openbackbone.\")", prefix, maxPrefixLen)
	}
	return nil
}

// dotless maps a validated name to one without dots, for providers that
// forbid them (JetStream stream and consumer names, AWS SNS/SQS names).
func dotless(name string) string { return strings.ReplaceAll(name, ".", "_") }

// fit returns name if it has at most limit characters, else its first
// characters, "-" and 16 hex digits of its SHA-256, limit characters in all:
// the same name on every replica, and distinct for distinct names. For
// providers whose names are shorter than the ones composed here (an SQS queue
// name, P+T+"__"+S, has at most 80 characters; an Azure Service Bus
// subscription name at most 50).
func fit(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:limit-17] + "-" + hex.EncodeToString(sum[:8])
}

// Name limits of the providers.
const (
	sqsQueueNameLimit          = 80
	azureSubscriptionNameLimit = 50
)
