package apitest_test

import (
	"testing"

	"github.com/openbackbone/openbackbone/conformance/apitest"
)

// testAgainst is what a test of an embedded server calls once it listens;
// examples/minimal and examples/mounted run the suite like this, and
// scripts/test-all.sh runs it against the reference server with
// go test ./conformance/apitest -base-url=….
func testAgainst(t *testing.T, baseURL string) {
	apitest.Run(t, apitest.Config{
		BaseURL: baseURL, // may carry a path prefix: http://localhost:8080/backbone
		// AdminURL defaults to BaseURL; an Admin API mounted elsewhere:
		AdminURL:     baseURL + "/admin",
		ClientID:     "test", // an OAuth client the server knows
		ClientSecret: "test",
		AdminAPIKey:  "test",
	})
}

// Run needs a server whose DID domain is the host in BaseURL, with the
// client and key given in Config (see the package documentation).
func ExampleRun() {
	var _ = testAgainst
}
