package apitest_test

import (
	"flag"
	"os"
	"testing"

	"github.com/openbackbone/openbackbone/conformance/apitest"
)

var baseURL = flag.String("base-url", "", "base URL of the server under test (or set OPENBACKBONE_API_BASE_URL)")

// TestAPI runs the suite against a running server:
//
//	go test ./conformance/apitest -base-url=http://localhost:8080
func TestAPI(t *testing.T) {
	url := *baseURL
	if url == "" {
		url = os.Getenv("OPENBACKBONE_API_BASE_URL")
	}
	if url == "" {
		t.Skip("no server to test: pass -base-url=http://host:port or set OPENBACKBONE_API_BASE_URL")
	}
	apitest.Run(t, apitest.Config{
		BaseURL:      url,
		AdminURL:     os.Getenv("OPENBACKBONE_API_ADMIN_URL"),
		ClientID:     os.Getenv("OPENBACKBONE_API_CLIENT_ID"),
		ClientSecret: os.Getenv("OPENBACKBONE_API_CLIENT_SECRET"),
		AdminAPIKey:  os.Getenv("OPENBACKBONE_API_ADMIN_KEY"),
	})
}
