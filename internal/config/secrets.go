package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/openbackbone/openbackbone/adapters/gocloudsecrets"
)

// validateSecrets checks that every secret is given in exactly one form —
// inline, file or URL — and that URLs name a known store, so a typo is a
// configuration error at start rather than a failed push hours later.
func (c Config) validateSecrets() []error {
	var errs []error
	if c.Auth.SigningKey != "" && c.Auth.SigningKeyFile != "" {
		errs = append(errs, fmt.Errorf("config: give auth.signingKey or auth.signingKeyFile, not both"))
	}
	errs = appendURLError(errs, "auth.signingKey", c.Auth.SigningKey)
	for _, name := range sortedKeys(c.Push.APNs.Keys) {
		k := c.Push.APNs.Keys[name]
		field := "push.apns.keys." + name
		errs = appendOneForm(errs, field, map[string]string{"privateKey": k.PrivateKey, "privateKeyFile": k.PrivateKeyFile, "privateKeyUrl": k.PrivateKeyURL})
		errs = appendURLError(errs, field+".privateKeyUrl", k.PrivateKeyURL)
	}
	for _, name := range sortedKeys(c.Push.FCM.ServiceAccounts) {
		a := c.Push.FCM.ServiceAccounts[name]
		field := "push.fcm.serviceAccounts." + name
		errs = appendOneForm(errs, field, map[string]string{"json": a.JSON, "file": a.File, "url": a.URL})
		errs = appendURLError(errs, field+".url", a.URL)
	}
	return errs
}

func appendOneForm(errs []error, field string, forms map[string]string) []error {
	var set []string
	for _, k := range sortedKeys(forms) {
		if forms[k] != "" {
			set = append(set, k)
		}
	}
	if len(set) != 1 {
		return append(errs, fmt.Errorf("config: %s needs exactly one of %s; %d given", field, strings.Join(sortedKeys(forms), ", "), len(set)))
	}
	return errs
}

func appendURLError(errs []error, field, rawURL string) []error {
	if rawURL == "" {
		return errs
	}
	if _, err := gocloudsecrets.Parse(rawURL); err != nil {
		return append(errs, fmt.Errorf("config: %s: %w", field, err))
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
