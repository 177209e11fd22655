package apicheck

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite api.txt at the module root with the current API")

// TestAPIUnchanged fails when the exported API of a public package differs
// from api.txt, so that every change to it is a visible line in review.
func TestAPIUnchanged(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	apiFile := filepath.Join(root, "api.txt")
	got, err := List(root)
	require.NoError(t, err)
	if *update {
		require.NoError(t, os.WriteFile(apiFile, []byte(got), 0o644))
		t.Logf("wrote %s", apiFile)
		return
	}
	raw, err := os.ReadFile(apiFile)
	require.NoError(t, err, "api.txt is missing; create it with: go test ./internal/apicheck -update")
	want := string(raw)
	if got != want {
		t.Errorf("the exported API differs from api.txt (- only in api.txt, + only in the code):\n%s\n"+
			"If the change is intended, run: go test ./internal/apicheck -update, and commit api.txt.",
			diff(strings.Split(strings.TrimSuffix(want, "\n"), "\n"), strings.Split(strings.TrimSuffix(got, "\n"), "\n")))
	}
}

// diff merges two sorted lists of unique lines into the lines only one of
// them has.
func diff(want, got []string) string {
	var b strings.Builder
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || (i < len(want) && want[i] < got[j]):
			b.WriteString("- " + want[i] + "\n")
			i++
		case i == len(want) || got[j] < want[i]:
			b.WriteString("+ " + got[j] + "\n")
			j++
		default:
			i++
			j++
		}
	}
	return b.String()
}

func TestDiffShowsOnlyChangedLines(t *testing.T) {
	got := diff([]string{"a", "b", "d"}, []string{"a", "c", "d", "e"})
	assert.Equal(t, "- b\n+ c\n+ e\n", got)
}

// TestListReadsAFixtureModule pins the format on a small module with every
// kind of declaration, and the packages it leaves out.
func TestListReadsAFixtureModule(t *testing.T) {
	got, err := List(filepath.Join("testdata", "mod"))
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join("testdata", "mod.api.txt"))
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}
