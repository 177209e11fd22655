package ssepush_test

import (
	"os"
	"testing"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

// TestMain removes the broker containers testservices may have started.
func TestMain(m *testing.M) { os.Exit(testservices.Run(m)) }
