package httpapi_test

import (
	"os"
	"testing"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

// TestMain removes the database containers testservices may have started
// for the tests on every store.
func TestMain(m *testing.M) { os.Exit(testservices.Run(m)) }
