package config

import (
	"bytes"

	"gopkg.in/yaml.v3"

	"github.com/openbackbone/openbackbone/backbone"
)

// TagTree is the tags setting. A file that sets it replaces the
// landscape's tree as a whole: merged into dev's sample, a tree in other
// languages would fail the check that every tag names exactly the
// supported languages.
type TagTree backbone.TagsConfig

// UnmarshalYAML decodes into a fresh tree, as strictly as the rest of the
// file (unknown keys are errors).
func (t *TagTree) UnmarshalYAML(n *yaml.Node) error {
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	var fresh backbone.TagsConfig
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&fresh); err != nil {
		return err
	}
	*t = TagTree(fresh)
	return nil
}
