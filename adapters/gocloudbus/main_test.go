package gocloudbus

import (
	"os"
	"testing"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

// TestMain removes the broker containers testservices may have started
// for this package's tests, internal and external alike.
func TestMain(m *testing.M) { os.Exit(testservices.Run(m)) }
