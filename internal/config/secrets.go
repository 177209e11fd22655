package config

import (
	"fmt"
	"maps"
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
	for _, name := range slices.Sorted(maps.Keys(c.Push.APNs.Keys)) {
		k := c.Push.APNs.Keys[name]
		field := "push.apns.keys." + name
		errs = appendOneForm(errs, field, map[string]string{"privateKey": k.PrivateKey, "privateKeyFile": k.PrivateKeyFile, "privateKeyUrl": k.PrivateKeyURL})
		errs = appendURLError(errs, field+".privateKeyUrl", k.PrivateKeyURL)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Push.FCM.ServiceAccounts)) {
		a := c.Push.FCM.ServiceAccounts[name]
		field := "push.fcm.serviceAccounts." + name
		errs = appendOneForm(errs, field, map[string]string{"json": a.JSON, "file": a.File, "url": a.URL})
		errs = appendURLError(errs, field+".url", a.URL)
	}
	return errs
}

func appendOneForm(errs []error, field string, forms map[string]string) []error {
	given := 0
	for _, v := range forms {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return append(errs, fmt.Errorf("config: %s needs exactly one of %s; %d given", field, strings.Join(slices.Sorted(maps.Keys(forms)), ", "), given))
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
