package local

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/igny8/igny8-serverless/shared/apitest"
	"github.com/igny8/igny8-serverless/shared/httpapi"
)

// consoleDist is the console `make test` builds first (make console-check).
const consoleDist = "../../console/dist"

// chromium is Debian's package (scripts/fetch-chromium.sh).
const chromium = "/usr/bin/chromium"

// A user's journey through the web console in a real Chromium, against the
// local stack as `make run` starts it: sign in with CONSOLE_URL (the key
// leaves the address bar), see the demo balance, page through a list and
// see a filter change go back to page 1, run a bulk action's confirmation,
// read notifications, sign out. Each screen draws its first view from at
// most three API calls (counted from the browser's own requests), and
// each screen is photographed (CONSOLE_SCREENSHOTS=docs/screenshots
// refreshes the README's pictures; by default they go to .cache).
func TestIntegrationConsoleJourney(t *testing.T) {
	if _, err := os.Stat(filepath.Join(consoleDist, "index.html")); err != nil {
		t.Fatalf("the console is not built (make console): %v", err)
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium (scripts/fetch-chromium.sh installs Debian's package): %v", err)
	}
	checkBundleSize(t)

	t.Setenv("WORDPRESS", "off")
	env := startConsoleStack(t, t.TempDir())
	site := env["DEMO_SITE_ID"]
	c := apitest.NewRemote(t, httpapi.OpenAPI, env["API_URL"])
	auth := []string{"Authorization", "Bearer " + env["API_KEY"]}
	var acct struct {
		Available int64 `json:"available"`
		Reserved  int64 `json:"reserved"`
	}
	c.Do("GET", "/v1/account", nil, auth...).JSON(t, &acct)
	// 30 keywords: two pages of 25.
	kws := make([]map[string]any, 30)
	for i := range kws {
		kws[i] = map[string]any{"keyword": fmt.Sprintf("trail shoe %02d", i), "volume": 100 + i}
	}
	if r := c.Do("POST", "/v1/sites/"+site+"/keywords", map[string]any{"keywords": kws}, auth...); r.Status != 201 {
		t.Fatalf("add keywords: %d %s", r.Status, r.Body)
	}

	b := newBrowser(t)
	shot := func(name string) { t.Helper(); b.shot(t, name) }
	text := func(sel string) string { t.Helper(); return b.text(t, sel) }
	eval := func(expr string) string { t.Helper(); return b.eval(t, expr) }

	// Sign in from CONSOLE_URL: the balance shows, the fragment is gone at
	// once, and the key is in session storage.
	b.do(t, chromedp.Navigate(env["CONSOLE_URL"]), chromedp.WaitVisible(chromedp.CSS(`[data-testid=available]`)))
	available, reserved := text(`[data-testid=available]`), text(`[data-testid=reserved]`)
	if available != thousands(acct.Available) || reserved != thousands(acct.Reserved) {
		t.Fatalf("home shows available %q reserved %q, the API says %d and %d", available, reserved, acct.Available, acct.Reserved)
	}
	href, stored := eval(`location.href`), eval(`sessionStorage.getItem("igny8.apiKey") || ""`)
	if strings.Contains(href, "#") || strings.Contains(href, env["API_KEY"]) || stored != env["API_KEY"] {
		t.Fatalf("after sign-in the address is %q and session storage holds %q", href, stored)
	}
	b.checkCalls(t, "/", 3, 3)
	shot("home")

	// A list: page 1 of 2, Next, then a filter change goes back to page 1.
	label := `[data-testid=page-label]`
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/keywords"), waitText(label, "Page 1 of 2 (30 items)"))
	b.checkCalls(t, "/sites/{site}/keywords", 1, 3)
	next := chromedp.Click(`//button[text()="Next"]`)
	b.do(t, next, waitText(label, "Page 2 of 2 (30 items)"))
	b.do(t, selectOption(`select[name=sort]`, "volume"), waitText(label, "Page 1 of 2 (30 items)"))
	if first := text(`tbody tr:first-child td:nth-child(2)`); first != "trail shoe 29" {
		t.Fatalf("sorted by volume, the first row is %q", first)
	}
	b.do(t, next, waitText(label, "Page 2 of 2 (30 items)"))
	b.do(t, selectOption(`select[name=status]`, "mapped"), waitText(label, "Page 1 of 1 (0 items)"))
	b.do(t, selectOption(`select[name=status]`, ""), waitText(label, "Page 1 of 2 (30 items)"))

	// Select two rows: the bulk action's confirmation shows the exact
	// credits the start would reserve (the API's estimate for those two)
	// and the balance before anything starts; cancelling starts nothing.
	var picked []string
	for _, n := range []string{"1", "2"} {
		label := eval(`document.querySelector("tbody tr:nth-child(` + n + `) input[type=checkbox]").getAttribute("aria-label")`)
		picked = append(picked, strings.TrimPrefix(label, "Select "))
	}
	var est struct {
		Credits int64 `json:"credits"`
	}
	if r := c.Do("POST", "/v1/sites/"+site+"/keywords/cluster/estimate", map[string]any{"keyword_ids": picked}, auth...); r.Status != 200 {
		t.Fatalf("estimate: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &est)
	}
	b.do(t,
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) input[type=checkbox]`)),
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(2) input[type=checkbox]`)),
		chromedp.Click(`//button[starts-with(text(),"Cluster keywords")]`),
		waitText(`[data-testid=confirm-available]`, thousands(acct.Available)),
		waitText(`[data-testid=confirm-estimate]`, thousands(est.Credits)),
	)
	if est.Credits <= 0 {
		t.Fatalf("estimate %d", est.Credits)
	}
	shot("keywords-confirm")
	b.do(t, chromedp.Click(`//dialog//button[text()="Cancel"]`), chromedp.WaitNotVisible(chromedp.CSS(`dialog`)))
	var usage struct {
		Total int64 `json:"total"`
	}
	c.Do("GET", "/v1/account/usage/logs", nil, auth...).JSON(t, &usage)
	c.Do("GET", "/v1/account", nil, auth...).JSON(t, &acct)
	if usage.Total != 0 || acct.Reserved != 0 {
		t.Fatalf("a cancelled confirmation started something: %d usage logs, %d reserved", usage.Total, acct.Reserved)
	}
	shot("keywords")

	// Settings: a toggle saves at once; limits save with Save, and a bad
	// one shows its error by its field and changes nothing.
	type pubSettings struct {
		AutoApproval bool  `json:"auto_approval_enabled"`
		AutoPublish  bool  `json:"auto_publish_enabled"`
		Daily        int64 `json:"daily_limit"`
	}
	var ps pubSettings
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/settings"), chromedp.WaitVisible(chromedp.CSS(`input[name=daily_limit]`)))
	b.checkCalls(t, "/sites/{site}/settings", 1, 3)
	b.do(t, chromedp.Click(chromedp.CSS(`input[name=auto_approval_enabled]`)), waitText(`[role=status]`, "Auto-approval on, saved."))
	c.Do("GET", "/v1/sites/"+site+"/publishing-settings", nil, auth...).JSON(t, &ps)
	if !ps.AutoApproval {
		t.Fatal("the auto-approval toggle did not save at once")
	}
	before := ps.Daily
	b.do(t, setInput(`input[name=daily_limit]`, "999"), chromedp.Click(`//button[text()="Save"]`),
		chromedp.WaitVisible(`//label[contains(., "Items per day")]//span[@class="field-error"]`))
	c.Do("GET", "/v1/sites/"+site+"/publishing-settings", nil, auth...).JSON(t, &ps)
	if ps.Daily != before {
		t.Fatalf("a refused Save changed daily_limit to %d", ps.Daily)
	}
	shot("settings")
	b.do(t, setInput(`input[name=daily_limit]`, "1"), chromedp.Click(`//button[text()="Save"]`), waitText(`[role=status]`, "Schedule saved."))
	c.Do("GET", "/v1/sites/"+site+"/publishing-settings", nil, auth...).JSON(t, &ps)
	if ps.Daily != 1 {
		t.Fatalf("Save did not store daily_limit: %d", ps.Daily)
	}

	// Automation: start a run with the estimate shown, watch the stage
	// cards and the credit badge until it ends; the badge ends at the
	// run's charged credits.
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/automation"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=estimate]`)))
	b.checkCalls(t, "/sites/{site}/automation", 3, 3)
	if est := text(`[data-testid=estimate]`); !strings.Contains(est, "1.2 ×") {
		t.Fatalf("the estimate does not explain the 1.2× rule: %q", est)
	}
	shot("automation")
	b.do(t, chromedp.Click(`//button[text()="Start a run"]`), chromedp.WaitVisible(chromedp.CSS(`[data-testid=credit-badge]`)))
	badges := []string{}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		badge := text(`[data-testid=credit-badge]`)
		if len(badges) == 0 || badges[len(badges)-1] != badge {
			badges = append(badges, badge)
		}
		if eval(`document.querySelector(".badge").closest("main").querySelector("p .status").textContent`) == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not complete in 3 minutes; badge values seen %v", badges)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var runs struct {
		Items []struct {
			Status       string `json:"status"`
			TotalCredits int64  `json:"total_credits_used"`
		} `json:"items"`
	}
	c.Do("GET", "/v1/sites/"+site+"/automation/runs", nil, auth...).JSON(t, &runs)
	t.Logf("credit badge values seen during the run: %v (run charged %d)", badges, runs.Items[0].TotalCredits)
	if len(runs.Items) == 0 || runs.Items[0].Status != "completed" || runs.Items[0].TotalCredits == 0 ||
		badges[len(badges)-1] != thousands(runs.Items[0].TotalCredits)+" credits" {
		t.Fatalf("after the run the badge shows %v, the API %+v", badges, runs.Items)
	}
	if p := text(`[data-testid=stage-1]`); !strings.Contains(p, "30 / 30 processed") {
		t.Fatalf("stage 1 card: %q", p)
	}
	shot("automation-done")

	// The other screens, now with the run's items: each draws its first
	// view from at most 3 calls.
	for _, s := range []struct {
		name, path, ready string
		min               int
	}{
		{"clusters", "/sites/" + site + "/clusters", label, 1},
		{"ideas", "/sites/" + site + "/ideas", label, 1},
		{"tasks", "/sites/" + site + "/tasks", label, 1},
		{"content", "/sites/" + site + "/content", label, 1},
		{"images", "/sites/" + site + "/images", label, 1},
		{"notifications", "/notifications", label, 1},
		{"add-site", "/sites/new", `form button[type=submit]`, 0},
	} {
		b.do(t, chromedp.Navigate(env["API_URL"]+s.path), chromedp.WaitVisible(chromedp.CSS(s.ready)))
		b.checkCalls(t, s.path, s.min, 3)
		shot(s.name)
	}

	// A written article: its page, and the regeneration dialog's quoted
	// cost (the API's quote) before anything is confirmed.
	var contents struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	c.Do("GET", "/v1/sites/"+site+"/content", nil, auth...).JSON(t, &contents)
	if len(contents.Items) == 0 {
		t.Fatal("the run wrote no content")
	}
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/content/"+contents.Items[0].ID), chromedp.WaitVisible(`//button[text()="Approve"]`))
	b.checkCalls(t, "/sites/{site}/content/{content}", 1, 3)
	shot("content-detail")
	var imgs struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	c.Do("GET", "/v1/sites/"+site+"/content/"+contents.Items[0].ID+"/images", nil, auth...).JSON(t, &imgs)
	if len(imgs.Items) > 0 {
		var quote struct {
			Credits int64 `json:"credits"`
		}
		c.Do("GET", "/v1/sites/"+site+"/images/"+imgs.Items[0].ID+"/regenerate/quote", nil, auth...).JSON(t, &quote)
		b.do(t, chromedp.Click(`//button[text()="Regenerate…"]`), chromedp.WaitVisible(chromedp.CSS(`[data-testid=regen-quote]`)))
		if q := text(`[data-testid=regen-quote]`); !strings.Contains(q, thousands(quote.Credits)+" credits") {
			t.Fatalf("the dialog quotes %q, the API %d credits", q, quote.Credits)
		}
		shot("regenerate")
		b.do(t, chromedp.Click(`//dialog//button[text()="Cancel"]`))
	}

	// Usage: the page's totals are the API's summary of the range.
	var ul struct {
		Summary struct {
			Credits int64  `json:"credits_used"`
			Cost    string `json:"cost_usd"`
		} `json:"summary"`
	}
	c.Do("GET", "/v1/account/usage/logs", nil, auth...).JSON(t, &ul)
	b.do(t, chromedp.Navigate(env["API_URL"]+"/usage"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=usage-credits]`)))
	b.checkCalls(t, "/usage", 1, 3)
	if got, cost := text(`[data-testid=usage-credits]`), text(`[data-testid=usage-cost]`); got != thousands(ul.Summary.Credits) || cost != ul.Summary.Cost || ul.Summary.Credits == 0 {
		t.Fatalf("usage page shows %q %q, the API's summary %+v", got, cost, ul.Summary)
	}
	shot("usage")

	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/calendar"), chromedp.WaitVisible(chromedp.CSS(`.calendar`)))
	b.checkCalls(t, "/sites/{site}/calendar", 1, 3)
	shot("calendar")

	// Notifications: the unread filter and Mark read.
	var unread struct {
		Total int64 `json:"total"`
	}
	c.Do("GET", "/v1/notifications?unread=true", nil, auth...).JSON(t, &unread)
	if unread.Total == 0 {
		t.Fatal("the run left no unread notification")
	}
	b.do(t, chromedp.Navigate(env["API_URL"]+"/notifications"), chromedp.WaitVisible(`//button[text()="Mark read"]`))
	buttons := `document.querySelectorAll("tbody button").length`
	nButtons := run(t, b, chromedp.Evaluate[int](buttons))
	b.do(t, chromedp.Click(`//button[text()="Mark read"]`),
		chromedp.Poll[chromedp.Void](fmt.Sprintf("%s === %d", buttons, nButtons-1), chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(`//label[contains(., "Unread only")]/input`),
		waitText(label, fmt.Sprintf("Page 1 of %d (%d items)", max(1, (unread.Total-1+19)/20), unread.Total-1)))
	var after struct {
		Total int64 `json:"total"`
	}
	c.Do("GET", "/v1/notifications?unread=true", nil, auth...).JSON(t, &after)
	if after.Total != unread.Total-1 {
		t.Fatalf("Mark read: %d unread before, %d after", unread.Total, after.Total)
	}
	b.shot(t, "notifications-unread")

	// An account without credits: a #key= URL switches to it, and a bulk
	// action's 402 is explained with the balance; nothing is reserved.
	var empty struct {
		Key string `json:"api_key"`
	}
	if r := c.Do("POST", "/v1/admin/accounts", map[string]any{"name": "No credits"}, "Authorization", "Bearer "+env["ADMIN_API_KEY"]); r.Status != 201 {
		t.Fatalf("create account: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &empty)
	}
	auth2 := []string{"Authorization", "Bearer " + empty.Key}
	var site2 struct {
		ID string `json:"id"`
	}
	c.Do("POST", "/v1/sites", map[string]any{"name": "Broke", "url": "https://broke.example.com"}, auth2...).JSON(t, &site2)
	if r := c.Do("POST", "/v1/sites/"+site2.ID+"/keywords", map[string]any{"keywords": kws[:2]}, auth2...); r.Status != 201 {
		t.Fatalf("add keywords: %d %s", r.Status, r.Body)
	}
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site2.ID+"/keywords#key="+empty.Key), waitText(label, "Page 1 of 1 (2 items)"))
	if k := eval(`sessionStorage.getItem("igny8.apiKey") || ""`); k != empty.Key || strings.Contains(eval(`location.href`), "#") {
		t.Fatalf("the #key= URL did not switch accounts cleanly: %q", eval(`location.href`))
	}
	// Without credits the confirmation says so before anything is tried,
	// and Start is disabled.
	b.do(t,
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) input[type=checkbox]`)),
		chromedp.Click(`//button[starts-with(text(),"Cluster keywords")]`),
		waitText(`[data-testid=confirm-available]`, "0"),
		chromedp.Poll[chromedp.Void](`(document.querySelector("[data-testid=confirm-insufficient]")?.textContent ?? "").includes("and 0 are available")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	if msg := text(`[data-testid=confirm-insufficient]`); !strings.HasPrefix(msg, "Not enough credits: this needs ") {
		t.Fatalf("the insufficient-credits explanation reads %q", msg)
	}
	if disabled := eval(`String(document.evaluate('//dialog//button[text()="Start"]', document, null, 9, null).singleNodeValue.disabled)`); disabled != "true" {
		t.Fatal("Start is enabled without the credits")
	}
	shot("insufficient-credits")
	b.do(t, chromedp.Click(`//dialog//button[text()="Cancel"]`), chromedp.WaitNotVisible(chromedp.CSS(`dialog`)))
	var acct2 struct {
		Reserved int64 `json:"reserved"`
	}
	c.Do("GET", "/v1/account", nil, auth2...).JSON(t, &acct2)
	if acct2.Reserved != 0 {
		t.Fatalf("a refused start reserved %d credits", acct2.Reserved)
	}

	// Sign out clears the key and shows the sign-in form.
	b.do(t, chromedp.Click(`//button[text()="Sign out"]`), chromedp.WaitVisible(`//button[text()="Sign in"]`))
	if k := eval(`sessionStorage.getItem("igny8.apiKey") || ""`); k != "" {
		t.Fatalf("sign out left the key in session storage: %q", k)
	}
	shot("sign-in")
}

// checkBundleSize: the first load's JavaScript, gzipped, is at most 250 KB.
func checkBundleSize(t *testing.T) {
	t.Helper()
	index, err := os.ReadFile(filepath.Join(consoleDist, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, m := range regexp.MustCompile(`(?:src|href)="(/assets/[^"]+\.js)"`).FindAllStringSubmatch(string(index), -1) {
		js, err := os.ReadFile(filepath.Join(consoleDist, m[1]))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(js)
		_ = zw.Close()
		total += buf.Len()
	}
	t.Logf("first-load JavaScript: %d bytes gzipped", total)
	if total == 0 || total > 250_000 {
		t.Fatalf("first-load JavaScript is %d bytes gzipped (limit 250 KB)", total)
	}
}

// startConsoleStack runs the local stack serving the built console.
func startConsoleStack(t *testing.T, dir string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Dir: dir, Addr: "127.0.0.1:0", Console: consoleDist}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stack stopped with %v", err)
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		if env, err := readEnv(filepath.Join(dir, "demo.env")); err == nil && env["CONSOLE_URL"] != "" {
			if r, err := http.Get(env["API_URL"] + "/v1/health"); err == nil && r.StatusCode == 200 {
				r.Body.Close()
				return env
			}
		}
		select {
		case err := <-done:
			t.Fatalf("local stack exited: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("local stack did not answer /v1/health within 90s")
		}
	}
}

type browser struct{ ctx context.Context }

// newBrowser starts a headless Debian Chromium with the flags this
// machine's closed network needs (no background connections) and a fresh
// profile.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first run starts the browser; it takes no timeout (that would end
	// the browser with it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &browser{ctx: ctx}
}

// shot checks the page with axe-core and saves a screenshot of it under
// CONSOLE_SCREENSHOTS (default .cache/screenshots).
func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	checkAxe(t, b, name)
	dir := os.Getenv("CONSOLE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", ".cache", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png := run(t, b, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	return strings.TrimSpace(run(t, b, chromedp.Text(chromedp.CSS(sel))))
}

func (b *browser) eval(t *testing.T, expr string) string {
	t.Helper()
	return run(t, b, chromedp.Evaluate[string](expr))
}

func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	run(t, b, chromedp.Steps(steps...))
}

// run runs one action with a timeout; a failure shows the page's text.
func run[T any](t *testing.T, b *browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("browser: %v\npage text:\n%s", err, body)
	}
	return v
}

// checkCalls counts the API requests of the page since it loaded (the
// browser's resource timing) and fails above max.
func (b *browser) checkCalls(t *testing.T, screen string, min, max int) {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // let a late extra call show
	calls := run(t, b, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name).filter(n => n.includes("/v1/"))`))
	t.Logf("%s: %d API calls for the first view", screen, len(calls))
	if len(calls) < min || len(calls) > max {
		t.Fatalf("%s made %d API calls for its first view (want %d to %d): %v", screen, len(calls), min, max, calls)
	}
}

// waitText waits until the element's text is want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.trim() === %q })()`, sel, want), chromedp.WithPollingTimeout(15*time.Second))
}

// selectOption picks an option as a user does, so React sees the change.
func selectOption(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event("change", { bubbles: true })); return true })()`, sel, value))
}

// axeSource is axe-core, pinned in console/package-lock.json.
const axeSource = "../../console/node_modules/axe-core/axe.min.js"

// checkAxe runs axe-core on the page as it is and fails on any serious or
// critical violation (contrast, labels, names, ARIA, keyboard traps). The
// sandboxed article frame is the model's HTML, not the console's, and is
// left out.
func checkAxe(t *testing.T, b *browser, screen string) {
	t.Helper()
	src, err := os.ReadFile(axeSource)
	if err != nil {
		t.Fatalf("axe-core (make console installs it): %v", err)
	}
	run(t, b, chromedp.Evaluate[chromedp.Void](`if (typeof axe === "undefined") { `+string(src)+` }; true`))
	found := run(t, b, chromedp.Evaluate[[]string](`axe.run(document, { iframes: false, resultTypes: ["violations"] }).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`, chromedp.EvalAwaitPromise))
	if len(found) > 0 {
		t.Errorf("%s: axe-core finds %d serious violation(s):\n%s", screen, len(found), strings.Join(found, "\n"))
	}
}

// setInput types a value into a controlled input as a user does.
func setInput(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const i = document.querySelector(%q); Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(i, %q); i.dispatchEvent(new Event("input", { bubbles: true })); return true })()`, sel, value))
}

// thousands formats n as the console does (en-US grouping).
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
