package local

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/igny8/igny8-serverless/shared/apitest"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/wplocal"
)

// The publishing journey in the console, against a real WordPress: add a
// site connected to it (the connection test says ok), import keywords from
// a CSV file, turn auto-approval and auto-publish on, run the automation,
// see the articles on the calendar, publish one and follow its link to
// the post on WordPress.
func TestIntegrationConsolePublishesToWordPress(t *testing.T) {
	if _, err := os.Stat(filepath.Join(consoleDist, "index.html")); err != nil {
		t.Fatalf("the console is not built (make console): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wp, err := wplocal.Start(ctx, wplocal.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("WordPress: %v", err)
	}
	defer wp.Stop()
	// The stack's own WordPress is off; this one is the user's site, which
	// the outbound guard lets the stack reach on loopback.
	t.Setenv("WORDPRESS", "off")
	t.Setenv("OUTBOUND_ALLOW_HOSTS", hostPort(wp.URL))
	env := startConsoleStack(t, t.TempDir())
	c := apitest.NewRemote(t, httpapi.OpenAPI, env["API_URL"])
	auth := []string{"Authorization", "Bearer " + env["API_KEY"]}
	b := newBrowser(t)

	// Add the site with its WordPress credentials.
	b.do(t, chromedp.Navigate(env["CONSOLE_URL"]), chromedp.WaitVisible(chromedp.CSS(`[data-testid=available]`)))
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/new"), chromedp.WaitVisible(`//label[contains(., "Name")]/input`))
	b.do(t,
		setInput(`form label:nth-of-type(1) input`, "Trail blog"),
		setInput(`input[type=url]`, wp.URL),
		setInput(`form label:nth-of-type(5) input`, wp.Username),
		setInput(`input[type=password]`, wp.AppPassword),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=connection-result]`)),
	)
	if got := b.text(t, `[data-testid=connection-result] h2`); got != "Connection: ok" {
		t.Fatalf("connection test: %q (%s)", got, b.text(t, `[data-testid=connection-result]`))
	}
	b.shot(t, "add-site-connected")
	b.do(t, chromedp.Click(`//a[contains(., "Go to Trail blog")]`), chromedp.WaitVisible(chromedp.CSS(`input[name=csv]`)))
	loc, err := url.Parse(b.eval(t, `location.href`))
	if err != nil {
		t.Fatal(err)
	}
	site := strings.Split(loc.Path, "/")[2]

	// Import keywords from a CSV file.
	csv := filepath.Join(t.TempDir(), "keywords.csv")
	if err := os.WriteFile(csv, []byte("keyword,volume,difficulty,intent\ntrail running shoes,5400,35,commercial\nbest trail shoes for mud,900,20,commercial\nhow to clean trail shoes,700,10,informational\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(t, chromedp.SetUploadFiles(chromedp.CSS(`input[name=csv]`), []string{csv}), chromedp.Click(`//button[text()="Import"]`),
		waitText(`[data-testid=import-report]`, "3 added, 0 duplicates, 0 invalid"),
		waitText(`[data-testid=page-label]`, "Page 1 of 1 (3 items)"))

	// Both toggles on, each saved at once.
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/settings"), chromedp.WaitVisible(chromedp.CSS(`input[name=daily_limit]`)))
	b.do(t, chromedp.Click(chromedp.CSS(`input[name=auto_approval_enabled]`)), waitText(`[role=status]`, "Auto-approval on, saved."))
	b.do(t, chromedp.Click(chromedp.CSS(`input[name=auto_publish_enabled]`)), waitText(`[role=status]`, "Auto-publish on, saved."))

	// Run the automation to the end.
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/automation"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=estimate]`)))
	b.do(t, chromedp.Click(`//button[text()="Start a run"]`), chromedp.WaitVisible(chromedp.CSS(`[data-testid=credit-badge]`)))
	b.do(t, chromedp.Poll[chromedp.Void](`[...document.querySelectorAll("main p .status")].some(e => e.textContent === "completed")`, chromedp.WithPollingTimeout(3*time.Minute)))

	// Auto-approval approved the articles and auto-publish gave them slots:
	// the calendar shows them (this month or the next).
	var contents struct {
		Items []struct {
			ID         string `json:"id"`
			Title      string `json:"title"`
			Status     string `json:"status"`
			SiteStatus string `json:"site_status"`
		} `json:"items"`
	}
	c.Do("GET", "/v1/sites/"+site+"/content", nil, auth...).JSON(t, &contents)
	if len(contents.Items) == 0 {
		t.Fatal("the run wrote nothing")
	}
	for _, it := range contents.Items {
		if it.Status != "approved" || it.SiteStatus != "scheduled" {
			t.Fatalf("after the run with both toggles on: %+v", contents.Items)
		}
	}
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/calendar"), chromedp.WaitVisible(chromedp.CSS(`.calendar`)))
	onCalendar := func() int {
		return len(run(t, b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=cal-scheduled]")].map(e => e.textContent)`)))
	}
	seen := onCalendar()
	b.shot(t, "calendar-scheduled")
	if seen < len(contents.Items) {
		b.do(t, chromedp.Click(`//button[text()="Next month"]`), chromedp.Sleep(time.Second))
		seen += onCalendar()
	}
	if seen != len(contents.Items) {
		t.Fatalf("the calendar shows %d scheduled items over two months, the site has %d", seen, len(contents.Items))
	}

	// Reschedule one from the calendar, an hour later than its slot.
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/calendar"), chromedp.WaitVisible(chromedp.CSS(`.calendar`)))
	if onCalendar() == 0 {
		b.do(t, chromedp.Click(`//button[text()="Next month"]`), chromedp.WaitVisible(chromedp.CSS(`[data-testid=cal-scheduled]`)))
	}
	moved := strings.TrimPrefix(b.eval(t, `document.querySelector("[data-testid=cal-scheduled] a").getAttribute("href")`), "/sites/"+site+"/content/")
	type scheduled struct {
		At time.Time `json:"scheduled_publish_at"`
	}
	var was, now scheduled
	c.Do("GET", "/v1/sites/"+site+"/content/"+moved, nil, auth...).JSON(t, &was)
	local := b.eval(t, `(d => { const p = n => String(n).padStart(2, "0"); return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes()) })(new Date(`+jsString(was.At.Add(time.Hour).Format(time.RFC3339))+`))`)
	b.do(t, chromedp.Click(chromedp.CSS(`[data-testid=cal-scheduled] button`)), chromedp.WaitVisible(chromedp.CSS(`input[name=reschedule_at]`)),
		setInput(`input[name=reschedule_at]`, local), chromedp.Click(`//dialog//button[text()="Reschedule"]`), chromedp.WaitNotVisible(chromedp.CSS(`dialog`)))
	c.Do("GET", "/v1/sites/"+site+"/content/"+moved, nil, auth...).JSON(t, &now)
	if !now.At.Equal(was.At.Add(time.Hour)) {
		t.Fatalf("rescheduled from %s to %s, want an hour later", was.At, now.At)
	}

	// Publish one now from its page and follow the link to the post.
	first := contents.Items[0]
	b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/content/"+first.ID), chromedp.WaitVisible(`//button[text()="Publish now"]`),
		chromedp.Click(`//button[text()="Publish now"]`), waitText(`[role=status]`, "Publishing now."))
	deadline := time.Now().Add(90 * time.Second)
	for {
		b.do(t, chromedp.Navigate(env["API_URL"]+"/sites/"+site+"/content/"+first.ID), chromedp.WaitVisible(`//button[text()="Publish now"]`))
		if n := run(t, b, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=external-url]").length`)); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not published within 90 s: %s", b.eval(t, `document.querySelector("main p").textContent`))
		}
		time.Sleep(time.Second)
	}
	b.shot(t, "content-published")
	post := b.eval(t, `document.querySelector("[data-testid=external-url]").href`)
	if !strings.HasPrefix(post, wp.URL) {
		t.Fatalf("the post link %q is not on the WordPress at %s", post, wp.URL)
	}
	b.do(t, chromedp.Click(chromedp.CSS(`[data-testid=external-url]`)), chromedp.WaitReady(chromedp.CSS(`body`)))
	// One poll, not a wait and then a read: WordPress may redirect the link
	// (a canonical URL), and a read between the two pages finds no context.
	b.do(t, chromedp.Poll[chromedp.Void](`location.href.startsWith(`+jsString(wp.URL)+`) && document.readyState === "complete" && `+
		`(document.title + " " + document.body.innerText).includes(`+jsString(first.Title)+`)`, chromedp.WithPollingTimeout(30*time.Second)))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "\"" + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + "\""
}
