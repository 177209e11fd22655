package backbone_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

func sampleTags() backbone.TagsConfig {
	return backbone.TagsConfig{
		SupportedLanguages: []string{"de", "en"},
		TagsForAttributeValueTypes: map[string]map[string]backbone.Tag{
			"IdentityFileReference": {"schulabschluss": {
				DisplayNames: map[string]string{"de": "Abschluss", "en": "Degree"},
				Children: map[string]backbone.Tag{"realschule": {
					DisplayNames: map[string]string{"de": "Realschule", "en": "Secondary school"},
				}},
			}},
		},
	}
}

func TestTagsConfigInvariants(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	newWith := func(tags backbone.TagsConfig) error {
		cfg := backbone.DevelopmentConfig()
		cfg.DidDomainName, cfg.TokenSigningKey, cfg.Tags = "localhost", key, tags
		_, err := backbone.New(cfg, backbone.Drivers{Store: backbonetest.OpenStore(t, "sqlite")})
		return err
	}
	require.NoError(t, newWith(sampleTags()))
	for name, change := range map[string]func(*backbone.TagsConfig){
		"EnglishNotSupported": func(c *backbone.TagsConfig) { c.SupportedLanguages = []string{"de"} },
		"LanguageNotISO":      func(c *backbone.TagsConfig) { c.SupportedLanguages = append(c.SupportedLanguages, "xx") },
		"DisplayNameMissing": func(c *backbone.TagsConfig) {
			delete(c.TagsForAttributeValueTypes["IdentityFileReference"]["schulabschluss"].DisplayNames, "de")
		},
		"DisplayNameInUnsupportedLanguage": func(c *backbone.TagsConfig) {
			c.TagsForAttributeValueTypes["IdentityFileReference"]["schulabschluss"].Children["realschule"].DisplayNames["fr"] = "École"
		},
		"TopLevelTagX": func(c *backbone.TagsConfig) {
			c.TagsForAttributeValueTypes["PhoneNumber"] = map[string]backbone.Tag{"X": {DisplayNames: map[string]string{"de": "x", "en": "x"}}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := sampleTags()
			change(&c)
			assert.Error(t, newWith(c))
		})
	}
	t.Run("ChildNamedXIsAllowed", func(t *testing.T) {
		c := sampleTags()
		c.TagsForAttributeValueTypes["PhoneNumber"] = map[string]backbone.Tag{"notfall": {
			DisplayNames: map[string]string{"de": "Notfall", "en": "Emergency"},
			Children:     map[string]backbone.Tag{"x": {DisplayNames: map[string]string{"de": "x", "en": "x"}}},
		}}
		assert.NoError(t, newWith(c))
	})
	t.Run("DefaultIsEnglishWithoutTags", func(t *testing.T) {
		assert.NoError(t, newWith(backbone.DefaultConfig().Tags))
	})
}
