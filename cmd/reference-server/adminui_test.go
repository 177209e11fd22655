package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adminui"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
	"github.com/openbackbone/openbackbone/internal/config"
)

// devAdminKey is the dev landscape's Admin API key.
var devAdminKey = func() string {
	c, err := config.Defaults("dev")
	if err != nil {
		panic(err)
	}
	return c.Admin.APIKey
}()

// startAdmin runs the dev landscape, which serves the Admin API and its UI
// beside the Consumer API.
func startAdmin(t *testing.T, getenv ...func(string) string) (string, func() error) {
	t.Helper()
	g := env(nil)
	if len(getenv) > 0 {
		g = getenv[0]
	}
	return start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, g)
}

func fetch(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(raw)
}

func TestAdminUIIsServedBesideTheAdminAPI(t *testing.T) {
	base, stop := startAdmin(t)
	defer func() { require.NoError(t, stop()) }()

	res, body := fetch(t, base+"/admin/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, adminui.ContentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
	assert.Contains(t, body, `<meta name="admin-api-base" content="/api/v1">`)
	res, _ = fetch(t, base+"/admin")
	assert.Equal(t, http.StatusMovedPermanently, res.StatusCode)
	assert.Equal(t, "/admin/", res.Header.Get("Location"))

	// The APIs around it are untouched.
	res, body = fetch(t, base+"/api/v2/Version")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.JSONEq(t, `{"result":{"majorVersion":"7"}}`, body)
	assert.NotEqual(t, adminui.ContentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
	res, _ = fetch(t, base+"/api/v1/xsrf")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = fetch(t, base+"/administrator")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestAdminUIIsOffWhenSwitchedOffOrWithoutAKey(t *testing.T) {
	base, stop := startAdmin(t, env(map[string]string{"OPENBACKBONE_ADMIN_UI": "false"}))
	res, _ := fetch(t, base+"/admin/")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "admin.ui=false")
	require.NoError(t, stop())

	file := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(file, []byte("landscape: dev\nadmin:\n  apiKey: \"\"\n"), 0o600))
	base, stop = startAdmin(t, env(map[string]string{"OPENBACKBONE_CONFIG": file}))
	res, _ = fetch(t, base+"/admin/")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "no API key: nobody could log in")
	require.NoError(t, stop())
}

func TestAdminUIFollowsTheAdminAPIToItsOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	adminAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	base, stop := startAdmin(t, env(map[string]string{"OPENBACKBONE_ADMIN_LISTEN": adminAddr}))
	defer func() { require.NoError(t, stop()) }()

	res, _ := fetch(t, "http://"+adminAddr+"/admin/")
	assert.Equal(t, http.StatusOK, res.StatusCode, "the page is on the Admin API's origin")
	res, _ = fetch(t, base+"/admin/")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "not on the Consumer API's listener")
}

// browser is a headless chromium tab whose console is recorded, so that a
// test can tell that the page ran without errors or policy violations.
type browser struct {
	ctx     context.Context
	mu      sync.Mutex
	log     []chromedp.ConsoleMessage
	dialogs []string
}

func (b *browser) confirmed() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// chromiumPath finds the browser. OPENBACKBONE_TEST_CHROMIUM (set by
// scripts/test-all.sh) makes it required; otherwise a machine without
// chromium skips the browser tests.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("OPENBACKBONE_TEST_CHROMIUM"); p != "" {
		_, err := os.Stat(p)
		require.NoError(t, err, "OPENBACKBONE_TEST_CHROMIUM names no browser")
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium, or set OPENBACKBONE_TEST_CHROMIUM); scripts/test-all.sh installs it")
	return ""
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	tctx, cancelTab := chromedp.NewContext(actx)
	// A generous bound for a loaded two-core machine; every step inside
	// waits for a condition, not for time.
	ctx, cancel := context.WithTimeout(tctx, 2*time.Minute)
	t.Cleanup(func() { cancel(); cancelTab(); cancelAlloc() })
	b := &browser{ctx: ctx}
	messages := chromedp.Console(ctx)
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	// The page confirms destructive actions; the operator says yes.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.log = append(b.log, m)
			b.mu.Unlock()
		}
	}()
	return b
}

func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.screenshot(t, "failure")
		t.Fatalf("browser: %v", err)
	}
}

func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// problems are console errors and warnings (CSP violations among them)
// and uncaught exceptions.
func (b *browser) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.log {
		if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning {
			out = append(out, m.String())
		}
	}
	return out
}

// screenshot saves the page as PNG into OPENBACKBONE_TEST_SCREENSHOTS (to
// look at) or the test's temporary directory.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv("OPENBACKBONE_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "adminui-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// apiRequests lists the Admin API paths the page has requested so far.
func apiRequests(t *testing.T, b *browser) []string {
	t.Helper()
	return eval[[]string](t, b, `performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => !p.startsWith("/admin/"))`)
}

func TestAdminUIShowsOnlyTheLoginWithoutAValidKey(t *testing.T) {
	b := newBrowser(t)
	base, stop := startAdmin(t)
	defer func() { require.NoError(t, stop()) }()

	b.do(t, chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.ID("api-key")))
	assert.Empty(t, apiRequests(t, b), "nothing is requested before a key is entered")

	b.do(t,
		chromedp.SendKeys(chromedp.ID("api-key"), "not-the-key"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("login-error")),
	)
	msg, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("login-error")))
	require.NoError(t, err)
	assert.Equal(t, "This API key is not valid.", msg)
	assert.True(t, eval[bool](t, b, `document.getElementById("app").hidden && document.getElementById("app").childElementCount === 0`), "no screen is rendered")
	assert.True(t, eval[bool](t, b, `document.getElementById("nav").hidden && document.getElementById("nav").childElementCount === 0`), "no navigation is rendered")
	assert.Equal(t, "", eval[string](t, b, `sessionStorage.getItem("openbackbone.admin.apiKey") ?? ""`), "a wrong key is not kept")
	for _, p := range apiRequests(t, b) {
		assert.Contains(t, []string{"/api/v1/ValidateApiKey", "/api/v1/xsrf"}, p, "only the key check may be requested")
	}

	// A screen's address does not get past the login either.
	b.do(t, chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/admin/#/clients"), chromedp.WaitVisible(chromedp.ID("api-key")))
	assert.Empty(t, apiRequests(t, b))
	assert.Equal(t, 0, eval[int](t, b, `document.querySelectorAll("#app *, table").length`))

	// A key kept from earlier that is no longer valid is checked again and
	// dropped before anything is shown.
	b.do(t, chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("openbackbone.admin.apiKey", "rotated-away")`),
		chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/admin/#/tiers"), chromedp.WaitVisible(chromedp.ID("api-key")),
		chromedp.Poll[chromedp.Void](`sessionStorage.getItem("openbackbone.admin.apiKey") === null`))
	for _, p := range apiRequests(t, b) {
		assert.Contains(t, []string{"/api/v1/ValidateApiKey", "/api/v1/xsrf"}, p)
	}
	assert.Equal(t, 0, eval[int](t, b, `document.getElementById("app").childElementCount`))
	b.screenshot(t, "login")
	assert.Empty(t, b.problems())
}

func TestAdminUILogsInAndCreatesAClient(t *testing.T) {
	b := newBrowser(t)
	base, stop := startAdmin(t)
	defer func() { require.NoError(t, stop()) }()

	b.do(t,
		chromedp.Navigate(base+"/admin/"),
		chromedp.WaitVisible(chromedp.ID("api-key")),
		chromedp.SendKeys(chromedp.ID("api-key"), devAdminKey),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("create-client")),
		// The dev landscape's seeded client is listed.
		chromedp.WaitVisible(chromedp.CSS(`#clients-table tr[data-key="test"]`)),
	)
	assert.True(t, eval[bool](t, b, `document.getElementById("login").hidden`))

	// Markup in a display name stays text.
	const name = `<b>UI</b> & "client"`
	b.do(t,
		chromedp.SendKeys(chromedp.CSS(`#create-client input[name=clientId]`), "ui-client"),
		chromedp.SendKeys(chromedp.CSS(`#create-client input[name=displayName]`), name),
		chromedp.Click(chromedp.CSS(`#create-client button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("client-secret")),
		chromedp.WaitVisible(chromedp.CSS(`#clients-table tr[data-key="ui-client"]`)),
	)
	secret, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("client-secret")))
	require.NoError(t, err)
	assert.Len(t, secret, 30, "a generated secret is shown once")
	assert.Equal(t, name, eval[string](t, b, `document.querySelector('#clients-table tr[data-key="ui-client"] td:nth-child(2)').textContent`))
	assert.Equal(t, 0, eval[int](t, b, `document.querySelectorAll("#clients-table b").length`), "no markup was created from API data")
	b.screenshot(t, "clients")

	// The client really exists behind the page.
	var listed struct {
		Result []struct {
			ClientID    string `json:"clientId"`
			DisplayName string `json:"displayName"`
		} `json:"result"`
	}
	adminGet(t, base, "/api/v1/Clients", &listed)
	found := false
	for _, c := range listed.Result {
		found = found || (c.ClientID == "ui-client" && c.DisplayName == name)
	}
	assert.True(t, found, "%+v", listed.Result)

	// The key is kept for the tab: a reload shows the screen again.
	b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#clients-table tr[data-key="ui-client"]`)))

	// A new secret is generated after a confirmation and shown once.
	b.do(t,
		chromedp.Click(chromedp.Search(`//tr[@data-key="ui-client"]//button[text()="Change secret"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#app > .notice")?.textContent.includes("New secret for ui-client.")`),
	)
	renewed, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("client-secret")))
	require.NoError(t, err)
	assert.Len(t, renewed, 30)
	assert.NotEqual(t, secret, renewed)
	// Deleting asks first and removes the row.
	b.do(t,
		chromedp.Click(chromedp.Search(`//tr[@data-key="ui-client"]//button[text()="Delete"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#app > .notice")?.textContent === "Client ui-client deleted."`),
	)
	assert.Equal(t, 0, eval[int](t, b, `document.querySelectorAll('#clients-table tr[data-key="ui-client"]').length`))
	assert.Equal(t, []string{"Generate a new secret for ui-client? The old one stops working.", "Delete client ui-client?"}, b.confirmed())
	adminGet(t, base, "/api/v1/Clients", &listed)
	for _, c := range listed.Result {
		assert.NotEqual(t, "ui-client", c.ClientID, "deleted")
	}
	// Tiers list the built-in ones.
	b.do(t, chromedp.Click(chromedp.CSS(`nav a[href="#/tiers"]`)), chromedp.WaitVisible(chromedp.ID("create-tier")))
	assert.Contains(t, eval[string](t, b, `document.querySelector(".screen table").textContent`), "Basic")
	// Logging out forgets the key and removes the screens.
	b.do(t, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("api-key")))
	assert.Equal(t, "", eval[string](t, b, `sessionStorage.getItem("openbackbone.admin.apiKey") ?? ""`))
	assert.Equal(t, 0, eval[int](t, b, `document.getElementById("app").childElementCount`))
	assert.Empty(t, b.problems())
}

func adminGet(t *testing.T, base, path string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	require.NoError(t, err)
	req.Header.Set("X-API-KEY", devAdminKey)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", path, raw)
	require.NoError(t, json.Unmarshal(raw, out), strings.TrimSpace(string(raw)))
}

// submitAndWaitForNotice submits a form and waits for the screen that
// follows to show its notice, which it renders only after its data came
// back.
func submitAndWaitForNotice(form, wantNotice string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(form + ` button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#app > .notice")?.textContent.includes(` + jsString(wantNotice) + `)`),
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestAdminUIManagesTiersIdentitiesAndAnnouncements(t *testing.T) {
	b := newBrowser(t)
	base, stop := startAdmin(t)
	defer func() { require.NoError(t, stop()) }()
	account, err := (&backbonetest.Client{BaseURL: base}).CreateAccount(t.Context())
	require.NoError(t, err)

	b.do(t,
		chromedp.Navigate(base+"/admin/#/tiers"),
		chromedp.WaitVisible(chromedp.ID("api-key")),
		chromedp.SendKeys(chromedp.ID("api-key"), devAdminKey),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("create-tier")),
		chromedp.SendKeys(chromedp.CSS(`#create-tier input[name=name]`), "UI Gold"),
	)
	b.do(t, submitAndWaitForNotice("#create-tier", "Tier UI Gold created.")...)

	// The tier's page takes a quota.
	b.do(t,
		chromedp.Click(chromedp.Search(`//a[text()="UI Gold"]`)),
		chromedp.WaitVisible(chromedp.ID("add-tier-quota")),
		chromedp.SetValue(chromedp.CSS(`#add-tier-quota select[name=metricKey]`), "NumberOfSentMessages"),
		chromedp.SendKeys(chromedp.CSS(`#add-tier-quota input[name=max]`), "7"),
		chromedp.SetValue(chromedp.CSS(`#add-tier-quota select[name=period]`), "Day"),
	)
	// An XSRF cookie gone stale (expired, or signed by a replaced key) costs
	// one refused request, after which the page fetches a new pair.
	b.do(t, chromedp.Evaluate[chromedp.Void](`document.cookie = "X-XSRF-COOKIE=stale; path=/"`))
	b.do(t, submitAndWaitForNotice("#add-tier-quota", "Quota added.")...)
	// The console event may trail the page's own progress a little.
	require.Eventually(t, func() bool { return len(b.problems()) > 0 }, 10*time.Second, 20*time.Millisecond)
	refused := b.problems()
	require.Len(t, refused, 1, "one refused request, nothing else: %v", refused)
	assert.Contains(t, refused[0], "status of 400")
	assert.Contains(t, eval[string](t, b, `document.querySelector(".screen table").textContent`), "Number of Sent Messages7Day")

	// The new identity is listed; its page moves it to the new tier.
	b.do(t,
		chromedp.Click(chromedp.CSS(`nav a[href="#/identities"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#identities-table tr[data-key="`+account.Address+`"]`)),
		chromedp.Click(chromedp.CSS(`#identities-table tr[data-key="`+account.Address+`"] a`)),
		chromedp.WaitVisible(chromedp.ID("change-tier")),
		// The lists of the identity's relationships, messages and tokens load.
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(".paged")].every((p) => !p.textContent.includes("Loading"))`),
	)
	assert.Equal(t, 4, eval[int](t, b, `document.querySelectorAll(".paged").length`))
	assert.Equal(t, "No relationships.", eval[string](t, b, `document.getElementById("identity-relationships").textContent`))
	b.screenshot(t, "identity")
	tierID := eval[string](t, b, `[...document.querySelectorAll("#change-tier option")].find((o) => o.textContent === "UI Gold").value`)
	b.do(t, chromedp.SetValue(chromedp.CSS(`#change-tier select[name=tierId]`), tierID))
	b.do(t, submitAndWaitForNotice("#change-tier", "Tier changed to UI Gold.")...)
	var identity struct {
		Result struct {
			TierID string `json:"tierId"`
		} `json:"result"`
	}
	adminGet(t, base, "/api/v1/Identities/"+account.Address, &identity)
	assert.Equal(t, tierID, identity.Result.TierID)

	// The filter by tier finds it there.
	b.do(t,
		chromedp.Navigate(base+"/admin/#/identities?tier="+tierID),
		chromedp.WaitVisible(chromedp.CSS(`#identities-table tr[data-key="`+account.Address+`"]`)),
	)

	// An announcement is created and listed, its title as text.
	b.do(t,
		chromedp.Click(chromedp.CSS(`nav a[href="#/announcements"]`)),
		chromedp.WaitVisible(chromedp.ID("create-announcement")),
		chromedp.SendKeys(chromedp.CSS(`#create-announcement input[name=enTitle]`), "Maintenance <i>tonight</i>"),
		chromedp.SendKeys(chromedp.CSS(`#create-announcement textarea[name=enBody]`), "The service pauses at 22:00."),
	)
	b.do(t, submitAndWaitForNotice("#create-announcement", "created.")...)
	assert.Contains(t, eval[string](t, b, `document.querySelector(".screen table").textContent`), "Maintenance <i>tonight</i>")
	assert.Equal(t, 0, eval[int](t, b, `document.querySelectorAll(".screen table i").length`))
	b.screenshot(t, "announcements")
	assert.Equal(t, refused, b.problems())
}
