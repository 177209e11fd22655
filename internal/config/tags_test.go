package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagsFromLandscapeAndFile(t *testing.T) {
	dev, err := Load(nil, func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, []string{"de", "en"}, dev.Tags.SupportedLanguages, "the dev landscape has a sample tree in en and de")
	assert.NotEmpty(t, dev.Tags.TagsForAttributeValueTypes)

	prod, err := Defaults("prod")
	require.NoError(t, err)
	assert.Equal(t, []string{"en"}, prod.Tags.SupportedLanguages)
	assert.Empty(t, prod.Tags.TagsForAttributeValueTypes)

	path := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`landscape: dev
tags:
  supportedLanguages: [en, fr]
  tagsForAttributeValueTypes:
    StreetAddress:
      home:
        displayNames: {en: Home, fr: Maison}
        children:
          main: {displayNames: {en: Main, fr: Principale}}
`), 0o600))
	c, err := Load([]string{"-config", path}, func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, []string{"en", "fr"}, c.Tags.SupportedLanguages)
	assert.Len(t, c.Tags.TagsForAttributeValueTypes, 1, "the file's tree only")
	home := c.Tags.TagsForAttributeValueTypes["StreetAddress"]["home"]
	assert.Equal(t, "Maison", home.DisplayNames["fr"])
	assert.Equal(t, "Principale", home.Children["main"].DisplayNames["fr"])
}

func TestTagsInAFileReplaceTheLandscapesTreeAndAreStrict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(path, []byte("landscape: dev\ntags:\n  supportedLanguages: [en]\n"), 0o600))
	c, err := Load([]string{"-config", path}, func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, []string{"en"}, c.Tags.SupportedLanguages)
	assert.Empty(t, c.Tags.TagsForAttributeValueTypes, "dev's sample tree is replaced, not merged")

	require.NoError(t, os.WriteFile(path, []byte("landscape: dev\ntags:\n  supportedLanguage: [en]\n"), 0o600))
	_, err = Load([]string{"-config", path}, func(string) string { return "" })
	assert.Error(t, err, "a misspelt key inside tags is an error")
}
