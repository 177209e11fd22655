package backbone_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func TestAsErrorTellsContentionFromFailure(t *testing.T) {
	busy := fmt.Errorf("sqlstore: gave up: %w", driver.ErrBusy)
	for name, err := range map[string]error{
		"bare":               busy,
		"inside an internal": &backbone.Error{Kind: backbone.KindInternal, Code: backbone.CodeUnexpected, Err: fmt.Errorf("backbone: insert: %w", busy)},
	} {
		t.Run(name, func(t *testing.T) {
			e := backbone.AsError(err)
			require.Equal(t, backbone.KindUnavailable, e.Kind)
			require.Equal(t, backbone.CodeServiceUnavailable, e.Code)
			require.ErrorIs(t, e, driver.ErrBusy, "the cause stays for the log")
		})
	}
	other := backbone.AsError(errors.New("disk on fire"))
	require.Equal(t, backbone.KindInternal, other.Kind)
	invalid := &backbone.Error{Kind: backbone.KindInvalid, Code: "x"}
	require.Same(t, invalid, backbone.AsError(invalid))
}
