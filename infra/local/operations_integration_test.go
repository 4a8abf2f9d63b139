package local

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/infra/local/sfn"
	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/apitest"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/store"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

// testStack is the local stack on a fresh table, with its API behind the
// OpenAPI-checking client and an admin key.
type testStack struct {
	*Stack
	c     *apitest.Client
	admin string
}

func newTestStack(t *testing.T, textOpts ...offline.Option) *testStack {
	t.Helper()
	_, table := ddblocal.NewTable(t)
	cfg := config.Config{Table: table, DynamoDBEndpoint: ddblocal.Endpoint(t), CursorSecret: "test-secret-0123456789abcdef"}
	deps, err := cfg.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	deps.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	deps.Blobs = blob.Dir{Root: t.TempDir(), BaseURL: "http://127.0.0.1/files"}
	if len(textOpts) > 0 {
		p := offline.New(textOpts...)
		deps.Providers.Text[ai.ProviderOffline], deps.Providers.Image[ai.ProviderOffline] = p, p
	}
	if err := deps.Store.SeedConfig(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin, _ := store.NewAPIKey()
	if err := deps.Store.PutAPIKey(context.Background(), admin, domain.RoleAdmin, ""); err != nil {
		t.Fatal(err)
	}
	// Retry back-off runs 100× faster so the retry paths stay quick.
	s, err := NewStack(deps, sfn.WithTimeScale(0.01))
	if err != nil {
		t.Fatal(err)
	}
	return &testStack{Stack: s, c: apitest.New(t, httpapi.OpenAPI, s.API), admin: admin}
}

func auth(key string) []string { return []string{"Authorization", "Bearer " + key} }

func (s *testStack) account(t *testing.T, credits int64) (string, string) {
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

func (s *testStack) site(t *testing.T, key string) string {
	t.Helper()
	var site domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Blog", "url": "https://blog.example"}, auth(key)...).JSON(t, &site)
	return site.ID
}

// start posts an operation and waits for it to end.
func (s *testStack) run(t *testing.T, key, path string, body any) domain.Operation {
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

func (s *testStack) wait(t *testing.T, key, id string) domain.Operation {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var op domain.Operation
		s.c.Do("GET", "/v1/operations/"+id, nil, auth(key)...).JSON(t, &op)
		if op.Status == domain.OperationSucceeded || op.Status == domain.OperationFailed {
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

func addTopicKeywords(t *testing.T, s *testStack, key, site string) map[string]string {
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

func listAll[T any](t *testing.T, s *testStack, key, path string) []T {
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
	acctID, key := s.account(t, 5000)
	site := s.site(t, key)
	topicOf := addTopicKeywords(t, s, key, site)
	var ids []string
	for id := range topicOf {
		ids = append(ids, id)
	}
	slices.Sort(ids)

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
