package backbone_test

import (
	"os"
	"testing"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

// TestMain removes the database and broker containers testservices may
// have started for the tests on every store and bus.
func TestMain(m *testing.M) { os.Exit(testservices.Run(m)) }
