package backbone

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// TagsConfig is the tag tree clients offer for attribute values: per
// attribute value type (IdentityFileReference, PhoneNumber, …) the tags
// with display names in every supported language. Type names and tag
// keys are shown to clients verbatim.
type TagsConfig struct {
	// SupportedLanguages must contain en; every tag has a display name for
	// exactly these languages.
	SupportedLanguages         []string                  `yaml:"supportedLanguages" json:"supportedLanguages"`
	TagsForAttributeValueTypes map[string]map[string]Tag `yaml:"tagsForAttributeValueTypes" json:"tagsForAttributeValueTypes"`
}

// Tag is one tag with its display names and its sub-tags.
type Tag struct {
	DisplayNames map[string]string `yaml:"displayNames" json:"displayNames"`
	Children     map[string]Tag    `yaml:"children" json:"children"`
}

// validate checks the reference's invariants: en supported, every code
// ISO 639-1, display names for exactly the supported languages, no
// top-level tag named x.
func (c TagsConfig) validate() error {
	var errs []error
	if !slices.Contains(c.SupportedLanguages, "en") {
		errs = append(errs, errors.New("Tags: SupportedLanguages must contain en"))
	}
	for _, l := range c.SupportedLanguages {
		if !validLanguage(l) {
			errs = append(errs, fmt.Errorf("Tags: SupportedLanguages: %q is no ISO 639-1 code", l))
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(c.TagsForAttributeValueTypes)) {
		for _, key := range slices.Sorted(maps.Keys(c.TagsForAttributeValueTypes[typ])) {
			if strings.EqualFold(key, "x") {
				errs = append(errs, fmt.Errorf("Tags: %s.%s: a top-level tag may not be named x or X", typ, key))
			}
			errs = append(errs, c.validateTag(typ+"."+key, c.TagsForAttributeValueTypes[typ][key])...)
		}
	}
	return errors.Join(errs...)
}

func (c TagsConfig) validateTag(path string, t Tag) []error {
	var errs []error
	for _, l := range slices.Sorted(maps.Keys(t.DisplayNames)) {
		if !slices.Contains(c.SupportedLanguages, l) {
			errs = append(errs, fmt.Errorf("Tags: %s: display name in the unsupported language %q", path, l))
		}
	}
	for _, l := range c.SupportedLanguages {
		if _, ok := t.DisplayNames[l]; !ok {
			errs = append(errs, fmt.Errorf("Tags: %s: display name for %q missing", path, l))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(t.Children)) {
		errs = append(errs, c.validateTag(path+"."+key, t.Children[key])...)
	}
	return errs
}

// normalized returns a deep copy with empty maps where c has nil ones, so
// that every tag shows its children ({} when none).
func (c TagsConfig) normalized() TagsConfig {
	out := TagsConfig{
		SupportedLanguages:         slices.Clone(c.SupportedLanguages),
		TagsForAttributeValueTypes: make(map[string]map[string]Tag, len(c.TagsForAttributeValueTypes)),
	}
	if out.SupportedLanguages == nil {
		out.SupportedLanguages = []string{}
	}
	for typ, tags := range c.TagsForAttributeValueTypes {
		out.TagsForAttributeValueTypes[typ] = normalizedTags(tags)
	}
	return out
}

func normalizedTags(tags map[string]Tag) map[string]Tag {
	out := make(map[string]Tag, len(tags))
	for k, t := range tags {
		names := maps.Clone(t.DisplayNames)
		if names == nil {
			names = map[string]string{}
		}
		out[k] = Tag{DisplayNames: names, Children: normalizedTags(t.Children)}
	}
	return out
}

// Tags serves the configured tag tree.
type Tags struct{ tree TagsConfig }

// Get returns the tag tree. It needs no caller: the tree is public. The
// result is the Backbone's own; callers must not change it.
func (s *Tags) Get() TagsConfig { return s.tree }
