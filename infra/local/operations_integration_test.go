package local

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/infra/local/sfn"
	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/apitest"
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/store"
	"github.com/igny8/igny8-serverless/shared/wplocal"
)

func TestMain(m *testing.M) {
	code := m.Run()
	ddblocal.StopShared()
	wplocal.StopShared()
	os.Exit(code)
}

// testStack is the local stack on a fresh table, with its API behind the
// OpenAPI-checking client and an admin key.
type testStack struct {
	*Stack
	c     *apitest.Client
	admin string
}

func newTestStack(t testing.TB, textOpts ...offline.Option) *testStack {
	t.Helper()
	_, table := ddblocal.NewTable(t)
	s := newTestStackOn(t, table, textOpts...)
	if err := s.Deps.Store.SeedConfig(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin, _ := store.NewAPIKey()
	if err := s.Deps.Store.PutAPIKey(context.Background(), admin, domain.RoleAdmin, ""); err != nil {
		t.Fatal(err)
	}
	s.admin = admin
	return s
}

// newTestStackOn is a stack on an existing table, seeded with nothing. Its
// metrics go nowhere (a test that reads them sets its own output).
func newTestStackOn(t testing.TB, table string, textOpts ...offline.Option) *testStack {
	t.Helper()
	t.Cleanup(metrics.SetOutput(io.Discard))
	cfg := config.Config{Table: table, DynamoDBEndpoint: ddblocal.Endpoint(t), CursorSecret: "test-secret-0123456789abcdef"}
	deps, err := app.Build(context.Background(), cfg, app.WithProviders(aiproviders.FromEnv),
		app.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))),
		app.WithBlobs(blob.Dir{Root: t.TempDir(), BaseURL: "http://127.0.0.1/files"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(textOpts) > 0 {
		p := offline.New(textOpts...)
		deps.Providers.Text[ai.ProviderOffline], deps.Providers.Image[ai.ProviderOffline] = p, p
	}
	// Retry back-off and Wait states run 100× faster so the retry paths
	// stay quick; timeouts stay real (scaled, a 60 s task timeout became
	// 0.6 s and fired on a busy machine).
	s, err := NewStack(deps, sfn.WithSleep(func(ctx context.Context, d time.Duration) error {
		t := time.NewTimer(d / 100)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	return &testStack{Stack: s, c: apitest.New(t, httpapi.OpenAPI, s.API)}
}

func auth(key string) []string { return []string{"Authorization", "Bearer " + key} }

func (s *testStack) account(t testing.TB, credits int64) (string, string) {
	t.Helper()
	var out struct {
		Account domain.Account `json:"account"`
		APIKey  string         `json:"api_key"`
	}
	s.c.Do("POST", "/v1/admin/accounts", map[string]any{"name": "Acme"}, auth(s.admin)...).JSON(t, &out)
	if credits > 0 {
		r := s.c.Do("POST", "/v1/admin/accounts/"+out.Account.ID+"/credits", map[string]any{"amount": credits},
			append(auth(s.admin), "Idempotency-Key", "grant-"+out.Account.ID)...)
		if r.Status != 201 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
	}
	return out.Account.ID, out.APIKey
}

func (s *testStack) site(t testing.TB, key string) string {
	t.Helper()
	var site domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Blog", "url": "https://blog.example"}, auth(key)...).JSON(t, &site)
	return site.ID
}

// start posts an operation and waits for it to end.
func (s *testStack) run(t testing.TB, key, path string, body any) domain.Operation {
	t.Helper()
	r := s.c.Do("POST", path, body, auth(key)...)
	if r.Status != http.StatusAccepted {
		t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
	}
	var started struct {
		OperationID string `json:"operation_id"`
	}
	r.JSON(t, &started)
	return s.wait(t, key, started.OperationID)
}

func (s *testStack) wait(t testing.TB, key, id string) domain.Operation {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var op domain.Operation
		s.c.Do("GET", "/v1/operations/"+id, nil, auth(key)...).JSON(t, &op)
		if op.Status.Finished() {
			return op
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation %s still %s after 60s", id, op.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// topics: 20 keywords each, phrased in varied ways.
var topics = map[string][]string{
	"shoes": {"best trail running shoes", "trail running shoes for women", "waterproof trail running shoes", "trail running shoes for wide feet",
		"cheap trail running shoes", "trail running shoes vs road shoes", "lightweight trail running shoes", "trail running shoes for beginners",
		"trail running shoes with rock plate", "zero drop trail running shoes", "trail running shoes for mud", "trail running shoes review",
		"how to choose trail running shoes", "trail running shoes for men", "cushioned trail running shoes", "trail running shoes sale",
		"durable trail running shoes", "trail running shoes for flat feet", "minimalist trail running shoes", "trail running shoes size guide"},
	"bread": {"sourdough bread recipe", "how to feed a sourdough starter", "sourdough starter from scratch", "easy sourdough bread for beginners",
		"sourdough bread baking temperature", "why is my sourdough bread dense", "sourdough starter feeding schedule", "whole wheat sourdough bread",
		"sourdough bread without dutch oven", "sourdough discard recipes", "sourdough bread hydration", "overnight sourdough bread",
		"sourdough starter not rising", "rye sourdough bread recipe", "sourdough bread scoring patterns", "sourdough bread proofing time",
		"sourdough sandwich bread", "gluten free sourdough bread", "sourdough bread crust tips", "sourdough starter ratio"},
	"solar": {"solar panel installation cost", "home solar panels worth it", "how many solar panels do i need", "solar panels for home",
		"solar panel efficiency ratings", "roof solar panels installation", "solar panel battery storage", "best solar panels for home",
		"solar panels tax credit", "solar panel maintenance tips", "off grid solar panel system", "solar panels cost per watt",
		"solar panel inverter types", "do solar panels work in winter", "solar panel lifespan", "diy solar panel installation",
		"solar panels net metering", "monocrystalline vs polycrystalline solar panels", "solar panel size for house", "solar panels pros and cons"},
}

// topicSite is an account with credits, its key and a site holding the 60
// topic keywords, with the topic of each keyword ID.
func (s *testStack) topicSite(t testing.TB, credits int64) (acct, key, site string, topicOf map[string]string) {
	t.Helper()
	acct, key = s.account(t, credits)
	site = s.site(t, key)
	return acct, key, site, addTopicKeywords(t, s, key, site)
}

func addTopicKeywords(t testing.TB, s *testStack, key, site string) map[string]string {
	t.Helper()
	var rows []map[string]any
	topicOf := map[string]string{}
	// Interleave the topics so the input order says nothing.
	for i := 0; i < 20; i++ {
		for _, topic := range []string{"shoes", "bread", "solar"} {
			kw := topics[topic][i]
			rows = append(rows, map[string]any{"keyword": kw, "volume": 100 + i})
			topicOf[domain.KeywordKey(kw)] = topic
		}
	}
	var rep store.KeywordReport
	s.c.Do("POST", "/v1/sites/"+site+"/keywords", map[string]any{"keywords": rows}, auth(key)...).JSON(t, &rep)
	if rep.Summary.Added != 60 {
		t.Fatalf("added %d", rep.Summary.Added)
	}
	byID := map[string]string{}
	for _, k := range rep.Added {
		byID[k.ID] = topicOf[domain.KeywordKey(k.Keyword)]
	}
	return byID
}

func listAll[T any](t testing.TB, s *testStack, key, path string) []T {
	t.Helper()
	var all []T
	cursor := ""
	for {
		p := path + "?limit=200"
		if strings.Contains(path, "?") {
			p = path + "&limit=200"
		}
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		var page struct {
			Items      []T     `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		s.c.Do("GET", p, nil, auth(key)...).JSON(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		cursor = *page.NextCursor
	}
}

func TestIntegrationOperationsEndToEnd(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	acctID, key, site, topicOf := s.topicSite(t, 5000)
	ids := slices.Sorted(maps.Keys(topicOf))

	// 1. Clustering: the clusters group the topics, never mixing them.
	op := s.run(t, key, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": ids})
	if op.Status != domain.OperationSucceeded || len(op.Results) < 3 {
		t.Fatalf("cluster: %+v", op)
	}
	kws := listAll[domain.Keyword](t, s, key, "/v1/sites/"+site+"/keywords")
	clusterTopics := map[string]map[string]bool{}
	for _, k := range kws {
		if k.Status != domain.KeywordMapped || k.ClusterID == "" {
			t.Fatalf("keyword %q not mapped: %+v", k.Keyword, k)
		}
		if clusterTopics[k.ClusterID] == nil {
			clusterTopics[k.ClusterID] = map[string]bool{}
		}
		clusterTopics[k.ClusterID][topicOf[k.ID]] = true
	}
	topicsSeen := map[string]bool{}
	for cid, ts := range clusterTopics {
		if len(ts) != 1 {
			t.Errorf("cluster %s mixes topics %v", cid, ts)
		}
		for tp := range ts {
			topicsSeen[tp] = true
		}
	}
	if len(topicsSeen) != 3 {
		t.Fatalf("topics found: %v", topicsSeen)
	}
	t.Logf("60 keywords → %d clusters", len(clusterTopics))

	// 2. Ideas for one cluster, 3. tasks, 4. content, 5. image prompts, 6. images.
	cluster := op.Results[0]
	op = s.run(t, key, "/v1/sites/"+site+"/clusters/generate-ideas", map[string]any{"cluster_ids": []string{cluster}})
	if op.Status != domain.OperationSucceeded || len(op.Results) == 0 {
		t.Fatalf("ideas: %+v", op)
	}
	op = s.run(t, key, "/v1/sites/"+site+"/ideas/create-tasks", map[string]any{"idea_ids": op.Results})
	if op.Status != domain.OperationSucceeded || op.CreditsUsed != 0 {
		t.Fatalf("tasks: %+v", op)
	}
	tasks := op.Results
	op = s.run(t, key, "/v1/sites/"+site+"/tasks/generate-content", map[string]any{"task_ids": tasks})
	if op.Status != domain.OperationSucceeded || len(op.Results) != len(tasks) {
		t.Fatalf("content: %+v", op)
	}
	var content domain.Content
	s.c.Do("GET", "/v1/sites/"+site+"/content/"+op.Results[0], nil, auth(key)...).JSON(t, &content)
	if content.Status != domain.ContentDraft || content.WordCount < 300 || !strings.Contains(content.HTML, "<h2") {
		t.Fatalf("content: %d words, status %s", content.WordCount, content.Status)
	}
	op = s.run(t, key, "/v1/sites/"+site+"/content/"+content.ID+"/generate-image-prompts", nil)
	if op.Status != domain.OperationSucceeded || len(op.Results) != 3 {
		t.Fatalf("image prompts: %+v", op)
	}
	op = s.run(t, key, "/v1/sites/"+site+"/images/generate", map[string]any{"image_ids": op.Results})
	if op.Status != domain.OperationSucceeded || len(op.Results) != 3 {
		t.Fatalf("images: %+v", op)
	}
	images := listAll[domain.Image](t, s, key, "/v1/sites/"+site+"/images")
	for _, img := range images {
		if img.Status != domain.ImageGenerated || img.URL == "" || img.Model != "IGNY8 AI Basic" || img.Provider != "" {
			t.Fatalf("image as users see it: %+v", img)
		}
	}

	// Every charged operation left an AI task log, a notification and a usage
	// log; the ledger's settled credits = the usage logs' = the balance drop.
	tasksLog := listAll[domain.AITaskLog](t, s, key, "/v1/account/ai-tasks")
	usage := listAll[domain.UsageLog](t, s, key, "/v1/account/usage/logs")
	notes := listAll[domain.Notification](t, s, key, "/v1/notifications")
	if len(tasksLog) != 5 || len(usage) != 5 || len(notes) != 6 {
		t.Fatalf("%d AI task logs, %d usage logs, %d notifications; want 5, 5, 6", len(tasksLog), len(usage), len(notes))
	}
	var usageCredits int64
	for _, u := range usage {
		usageCredits += u.CreditsUsed
		if u.CreditsUsed <= 0 || u.CostMicroUSD != u.CreditsUsed*10_000 || u.Provider != "" || !strings.HasPrefix(u.Model, "IGNY8 AI") {
			t.Errorf("usage log: %+v", u)
		}
	}
	for _, tl := range tasksLog {
		if tl.Status != domain.TaskLogSucceeded || tl.CreditsUsed <= 0 {
			t.Errorf("AI task log: %+v", tl)
		}
	}
	acct, _ := s.Deps.Store.GetAccount(ctx, acctID)
	audit, err := s.Deps.Ledger.Audit(ctx, acctID)
	if err != nil || !audit.OK() {
		t.Fatalf("ledger audit: %+v %v", audit, err)
	}
	if acct.Settled != usageCredits || 5000-acct.Available != usageCredits || acct.Reserved != 0 {
		t.Fatalf("settled %d, usage %d, balance drop %d, reserved %d", acct.Settled, usageCredits, 5000-acct.Available, acct.Reserved)
	}
	var stats domain.SiteStats
	s.c.Do("GET", "/v1/sites/"+site+"/stats", nil, auth(key)...).JSON(t, &stats)
	var sa store.StatsAudit
	s.c.Do("POST", "/v1/sites/"+site+"/stats/audit", nil, auth(key)...).JSON(t, &sa)
	if sa.Repaired || stats.KeywordsMapped != 60 || stats.Images != 3 || stats.ContentDraft != int64(len(tasks)) {
		t.Fatalf("stats %+v, audit %+v", stats, sa)
	}
	t.Logf("credits: %d settled over %d operations", usageCredits, len(usage))
}

// A provider that fails for good: the operation fails, charges nothing,
// releases its hold and says why in its records.
func TestIntegrationFailedOperationChargesNothing(t *testing.T) {
	calls := 0
	s := newTestStack(t, offline.WithFailures(func(req any) error {
		calls++
		return &ai.Error{Kind: ai.Permanent, Provider: "offline", Status: 401, Message: "the API key was rejected"}
	}))
	ctx := context.Background()
	acctID, key, site, topicOf := s.topicSite(t, 500)
	ids := slices.Sorted(maps.Keys(topicOf))
	op := s.run(t, key, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": ids[:10]})
	if op.Status != domain.OperationFailed || op.Error == nil || op.Error.Name != "Provider.Permanent" || op.CreditsUsed != 0 {
		t.Fatalf("operation: %+v", op)
	}
	if calls != 1 {
		t.Fatalf("a permanent error was retried: %d calls", calls)
	}
	acct, _ := s.Deps.Store.GetAccount(ctx, acctID)
	if acct.Available != 500 || acct.Reserved != 0 || acct.Settled != 0 {
		t.Fatalf("balance after a failed operation: %+v", acct)
	}
	if audit, err := s.Deps.Ledger.Audit(ctx, acctID); err != nil || !audit.OK() || audit.PendingHolds != 0 {
		t.Fatalf("audit %+v %v", audit, err)
	}
	tl := listAll[domain.AITaskLog](t, s, key, "/v1/account/ai-tasks")
	notes := listAll[domain.Notification](t, s, key, "/v1/notifications?unread=true")
	if len(tl) != 1 || tl[0].Status != domain.TaskLogFailed || !strings.Contains(tl[0].Error, "Provider.Permanent") {
		t.Fatalf("AI task log: %+v", tl)
	}
	if len(notes) != 1 || notes[0].Severity != domain.SeverityError || !strings.Contains(notes[0].Message, "No credits were charged") {
		t.Fatalf("notifications: %+v", notes)
	}
	if u := listAll[domain.UsageLog](t, s, key, "/v1/account/usage/logs"); len(u) != 0 {
		t.Fatalf("usage logs after a failure: %+v", u)
	}
	var stats domain.SiteStats
	s.c.Do("GET", "/v1/sites/"+site+"/stats", nil, auth(key)...).JSON(t, &stats)
	if stats.Clusters != 0 || stats.KeywordsMapped != 0 {
		t.Fatalf("a failed operation wrote results: %+v", stats)
	}
}

// Transient provider errors are retried by the state machine; the work is
// done and charged once.
func TestIntegrationTransientErrorsAreRetried(t *testing.T) {
	calls := 0
	s := newTestStack(t, offline.WithFailures(func(req any) error {
		calls++
		if calls <= 2 {
			return &ai.Error{Kind: ai.RateLimited, Provider: "offline", Status: 429, RetryAfter: time.Second, Message: "slow down"}
		}
		return nil
	}))
	acctID, key, site, topicOf := s.topicSite(t, 500)
	ids := slices.Sorted(maps.Keys(topicOf))
	op := s.run(t, key, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": ids})
	if op.Status != domain.OperationSucceeded || calls != 3 {
		t.Fatalf("operation %+v after %d calls", op, calls)
	}
	acct, _ := s.Deps.Store.GetAccount(context.Background(), acctID)
	if acct.Settled != op.CreditsUsed || len(listAll[domain.UsageLog](t, s, key, "/v1/account/usage/logs")) != 1 {
		t.Fatalf("charged %d for an operation of %d credits", acct.Settled, op.CreditsUsed)
	}
}

// Too few credits: 402 before any provider call; nothing is written but a
// failure notification.
func TestIntegrationInsufficientCreditsIs402BeforeAnyCall(t *testing.T) {
	calls := 0
	s := newTestStack(t, offline.WithFailures(func(any) error { calls++; return nil }))
	acctID, key, site, topicOf := s.topicSite(t, 1)
	ids := slices.Sorted(maps.Keys(topicOf))
	r := s.c.Do("POST", "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": ids}, auth(key)...)
	var eb httpapi.ErrorBody
	r.JSON(t, &eb)
	if r.Status != http.StatusPaymentRequired || eb.Error.Code != "insufficient_credits" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if calls != 0 {
		t.Fatalf("the provider was called %d times", calls)
	}
	acct, _ := s.Deps.Store.GetAccount(context.Background(), acctID)
	if acct.Available != 1 || acct.Reserved != 0 {
		t.Fatalf("balance changed: %+v", acct)
	}
	notes := listAll[domain.Notification](t, s, key, "/v1/notifications")
	tl := listAll[domain.AITaskLog](t, s, key, "/v1/account/ai-tasks")
	if len(notes) != 1 || notes[0].Severity != domain.SeverityError || len(tl) != 0 {
		t.Fatalf("notifications %+v, AI task logs %+v", notes, tl)
	}
	tx := listAll[map[string]any](t, s, key, "/v1/account/transactions")
	if len(tx) != 1 { // the grant only
		t.Fatalf("ledger entries: %v", tx)
	}
}

// The usage summary covers the whole filtered range, not one page.
func TestIntegrationUsageSummaryCoversEveryPage(t *testing.T) {
	s := newTestStack(t)
	_, key, site, topicOf := s.topicSite(t, 5000)
	ids := slices.Sorted(maps.Keys(topicOf))
	for i := 0; i < 6; i++ { // six clustering operations of 10 keywords
		if op := s.run(t, key, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": ids[i*10 : i*10+10]}); op.Status != domain.OperationSucceeded {
			t.Fatalf("op %d: %+v", i, op)
		}
	}
	type usagePage struct {
		Items      []domain.UsageLog  `json:"items"`
		NextCursor *string            `json:"next_cursor"`
		Total      int64              `json:"total"`
		Summary    store.UsageSummary `json:"summary"`
	}
	var credits, cost int64
	var pages, n int
	cursor := ""
	var first store.UsageSummary
	for {
		path := "/v1/account/usage/logs?limit=2&operation_type=clustering&site_id=" + site
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var p usagePage
		s.c.Do("GET", path, nil, auth(key)...).JSON(t, &p)
		if pages == 0 {
			first = p.Summary
		} else if p.Summary.CreditsUsed != first.CreditsUsed || p.Summary.Count != first.Count {
			t.Fatalf("summary differs between pages: %+v vs %+v", p.Summary, first)
		}
		pages++
		for _, u := range p.Items {
			credits += u.CreditsUsed
			cost += u.CostMicroUSD
			n++
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if pages != 3 || n != 6 || first.Count != 6 || first.CreditsUsed != credits || first.CostMicroUSD != cost ||
		first.ByOperation["clustering"].CreditsUsed != credits {
		t.Fatalf("%d pages, %d logs, %d credits, cost %d; summary %+v", pages, n, credits, cost, first)
	}
	if first.Formula != "Cost = Credits Used × Credit Price ($0.0100 per credit)" {
		t.Fatalf("formula %q", first.Formula)
	}
	// Another operation type filters them all out.
	var other usagePage
	s.c.Do("GET", "/v1/account/usage/logs?operation_type=image_generation", nil, auth(key)...).JSON(t, &other)
	if other.Summary.Count != 0 || len(other.Items) != 0 {
		t.Fatalf("filtered summary %+v", other.Summary)
	}
}

// Users see model tiers, never vendor model names; admins see the real ones.
func TestIntegrationModelsShowNoVendorNames(t *testing.T) {
	s := newTestStack(t)
	_, key := s.account(t, 0)
	r := s.c.Do("GET", "/v1/models", nil, auth(key)...)
	body := string(r.Body)
	models, err := s.Deps.Store.ListModels(context.Background())
	if err != nil || len(models) == 0 {
		t.Fatal(err)
	}
	for _, m := range models {
		if strings.Contains(body, m.ModelID) || (m.Provider != "offline" && strings.Contains(body, m.Provider)) {
			t.Errorf("GET /v1/models names %q (%s): %s", m.ModelID, m.Provider, body)
		}
	}
	if !strings.Contains(body, "IGNY8 AI Basic") {
		t.Fatalf("no tier names: %s", body)
	}
	admin := string(s.c.Do("GET", "/v1/admin/models", nil, auth(s.admin)...).Body)
	if !strings.Contains(admin, "gpt-4o-mini") {
		t.Fatalf("admins see the real names: %s", admin)
	}
	if r := s.c.Do("GET", "/v1/admin/models", nil, auth(key)...); r.Status != 403 {
		t.Fatalf("user on admin models: %d", r.Status)
	}
}

// Regenerating an image: the quote is the charge, and the old image stays
// listed as a previous version.
func TestIntegrationImageRegeneration(t *testing.T) {
	s := newTestStack(t)
	// One article with image prompts and images, the short way.
	acctID, key, site, topicOf := s.topicSite(t, 5000)
	ids := slices.Sorted(maps.Keys(topicOf))
	op := s.run(t, key, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": ids[:5]})
	op = s.run(t, key, "/v1/sites/"+site+"/clusters/generate-ideas", map[string]any{"cluster_ids": op.Results[:1]})
	op = s.run(t, key, "/v1/sites/"+site+"/ideas/create-tasks", map[string]any{"idea_ids": op.Results[:1]})
	op = s.run(t, key, "/v1/sites/"+site+"/tasks/generate-content", map[string]any{"task_ids": op.Results})
	op = s.run(t, key, "/v1/sites/"+site+"/content/"+op.Results[0]+"/generate-image-prompts", nil)
	op = s.run(t, key, "/v1/sites/"+site+"/images/generate", map[string]any{"image_ids": op.Results[:1]})
	old := op.Results[0]

	var quote struct {
		Credits     int64  `json:"credits"`
		QualityTier string `json:"quality_tier"`
		Model       string `json:"model"`
	}
	s.c.Do("GET", "/v1/sites/"+site+"/images/"+old+"/regenerate/quote?quality_tier=basic", nil, auth(key)...).JSON(t, &quote)
	before, _ := s.Deps.Store.GetAccount(context.Background(), acctID)
	op = s.run(t, key, "/v1/sites/"+site+"/images/"+old+"/regenerate", map[string]any{"custom_prompt": "a sunrise over a trail, watercolor"})
	after, _ := s.Deps.Store.GetAccount(context.Background(), acctID)
	if op.Status != domain.OperationSucceeded || quote.Credits <= 0 || op.CreditsUsed != quote.Credits || before.Available-after.Available != quote.Credits {
		t.Fatalf("quote %+v, operation %+v, balance %d → %d", quote, op, before.Available, after.Available)
	}
	images := listAll[domain.Image](t, s, key, "/v1/sites/"+site+"/images?include=superseded")
	var prev, next *domain.Image
	for i := range images {
		switch images[i].ID {
		case old:
			prev = &images[i]
		case op.Results[0]:
			next = &images[i]
		}
	}
	if prev == nil || next == nil || prev.Status != domain.ImageSuperseded || prev.SupersededBy != next.ID ||
		next.Status != domain.ImageGenerated || next.Prompt != ops.RegenerationPrompt(prev.Prompt, "a sunrise over a trail, watercolor") ||
		!strings.HasPrefix(next.Prompt, strings.TrimRight(prev.Prompt, ". ")) || next.URL == prev.URL { // the custom text is appended to the original
		t.Fatalf("versions: previous %+v, new %+v", prev, next)
	}
	var page struct {
		Total int64 `json:"total"`
	}
	s.c.Do("GET", "/v1/sites/"+site+"/images?include=superseded", nil, auth(key)...).JSON(t, &page)
	if page.Total != int64(len(images)) {
		t.Fatalf("images total %d for %d listed", page.Total, len(images))
	}
	if r := s.c.Do("GET", "/v1/sites/"+site+"/images/nosuchimage/regenerate/quote", nil, auth(key)...); r.Status != 404 {
		t.Fatalf("quote for a missing image: %d", r.Status)
	}
}

// The local stack refuses bad keys through the same authorizer as the
// cloud, in the API's error shape, and a revoked key at once.
func TestIntegrationLocalAuthorizerAndRevocation(t *testing.T) {
	s := newTestStack(t)
	acct, key := s.account(t, 0)
	c := s.c.For(t)
	never, _ := store.NewAPIKey()
	for _, bad := range []string{never, "ig8_short", strings.Repeat("Z", 56)} {
		r := c.Do("GET", "/v1/account", nil, auth(bad)...)
		var eb httpapi.ErrorBody
		r.JSON(t, &eb)
		if r.Status != 401 || eb.Error.Code != "unauthorized" || r.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("bad key %.12s…: %d %s", bad, r.Status, r.Body)
		}
	}
	second, _ := store.NewAPIKey()
	if err := s.Deps.Store.PutAPIKey(context.Background(), second, domain.RoleUser, acct); err != nil {
		t.Fatal(err)
	}
	if r := c.Do("GET", "/v1/account", nil, auth(second)...); r.Status != 200 {
		t.Fatalf("second key: %d %s", r.Status, r.Body)
	}
	id := store.KeyID(store.HashAPIKey(second))
	if r := c.Do("DELETE", "/v1/account/api-keys/"+id, nil, auth(key)...); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	r := c.Do("GET", "/v1/account", nil, auth(second)...)
	var eb httpapi.ErrorBody
	r.JSON(t, &eb)
	if r.Status != 401 || eb.Error.Code != "unauthorized" {
		t.Fatalf("revoked key: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", "/v1/account", nil, auth(key)...); r.Status != 200 {
		t.Fatalf("the key that revoked: %d %s", r.Status, r.Body)
	}
}
