package local

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/igny8/igny8-serverless/shared/apitest"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/store"
)

// sixKeywords adds six keywords of one topic and returns their IDs.
func sixKeywords(t *testing.T, s *testStack, key, site string) []string {
	t.Helper()
	var rows []map[string]any
	for _, kw := range topics["shoes"][:6] {
		rows = append(rows, map[string]any{"keyword": kw, "volume": 100})
	}
	var rep store.KeywordReport
	s.c.Do("POST", "/v1/sites/"+site+"/keywords", map[string]any{"keywords": rows}, auth(key)...).JSON(t, &rep)
	var ids []string
	for _, k := range rep.Added {
		ids = append(ids, k.ID)
	}
	if len(ids) != 6 {
		t.Fatalf("added %d keywords", len(ids))
	}
	return ids
}

// parallel posts body to path n times at once and returns the operation IDs
// of the 202s and the bodies of the 409s; any other answer fails the test.
func parallel(t *testing.T, c *apitest.Client, key, path string, body any, n int) (started []string, conflicts []string) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			r := c.Do("POST", path, body, auth(key)...)
			mu.Lock()
			defer mu.Unlock()
			switch r.Status {
			case http.StatusAccepted:
				var op struct {
					OperationID string `json:"operation_id"`
				}
				if err := json.Unmarshal(r.Body, &op); err != nil {
					t.Errorf("202 body: %v", err)
				}
				started = append(started, op.OperationID)
			case http.StatusConflict:
				conflicts = append(conflicts, string(r.Body))
			default:
				t.Errorf("POST %s: %d %s", path, r.Status, r.Body)
			}
		}()
	}
	close(gate)
	wg.Wait()
	return started, conflicts
}

func usageOf(t *testing.T, s *testStack, key string, typ domain.OperationType) []domain.UsageLog {
	t.Helper()
	return listAll[domain.UsageLog](t, s, key, "/v1/account/usage/logs?operation_type="+string(typ))
}

// Ten clustering requests on the same keywords at once: one is started
// (and charged), the others are refused with a 409 naming the keywords;
// five content requests on one task: one article, one charge.
func TestIntegrationClaimsOneResultOneCharge(t *testing.T) {
	s := newTestStack(t)
	acctID, key := s.account(t, 5000)
	site := s.site(t, key)
	ids := sixKeywords(t, s, key, site)

	started, conflicts := parallel(t, s.c, key, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": ids}, 10)
	if len(started) != 1 || len(conflicts) != 9 {
		t.Fatalf("%d started, %d refused; want 1 and 9", len(started), len(conflicts))
	}
	for _, c := range conflicts {
		if !strings.Contains(c, `"conflict"`) || !strings.Contains(c, ids[0]) {
			t.Fatalf("409 does not name the claimed keywords: %s", c)
		}
	}
	op := s.wait(t, key, started[0])
	if op.Status != domain.OperationSucceeded || len(op.Results) == 0 {
		t.Fatalf("cluster: %+v", op)
	}
	clusters := listAll[domain.Cluster](t, s, key, "/v1/sites/"+site+"/clusters")
	if u := usageOf(t, s, key, domain.OperationClustering); len(clusters) != len(op.Results) || len(u) != 1 || u[0].CreditsUsed != op.CreditsUsed {
		t.Fatalf("%d clusters for %d results, usage %+v", len(clusters), len(op.Results), u)
	}

	// The claims ended with the operation: the clusters' next step starts.
	op = s.run(t, key, "/v1/sites/"+site+"/clusters/generate-ideas", map[string]any{"cluster_ids": op.Results[:1]})
	op = s.run(t, key, "/v1/sites/"+site+"/ideas/create-tasks", map[string]any{"idea_ids": op.Results[:1]})
	task := op.Results[0]
	started, conflicts = parallel(t, s.c, key, "/v1/sites/"+site+"/tasks/generate-content", map[string]any{"task_ids": []string{task}}, 5)
	if len(started) != 1 || len(conflicts) != 4 || !strings.Contains(conflicts[0], task) {
		t.Fatalf("%d started, %d refused (%v); want 1 and 4", len(started), len(conflicts), conflicts)
	}
	op = s.wait(t, key, started[0])
	content := listAll[domain.Content](t, s, key, "/v1/sites/"+site+"/content")
	u := usageOf(t, s, key, domain.OperationContentGeneration)
	if op.Status != domain.OperationSucceeded || len(content) != 1 || len(u) != 1 {
		t.Fatalf("content op %+v: %d articles, %d content charges", op, len(content), len(u))
	}
	acct, _ := s.Deps.Store.GetAccount(t.Context(), acctID)
	if acct.Reserved != 0 {
		t.Fatalf("reserved %d after every operation ended", acct.Reserved)
	}
}

// Image prompts are written once per content item unless replaced: repeated
// calls are 409s and charge nothing; a replace supersedes the old pending
// images, is charged once, and automation renders only the current images.
func TestIntegrationImagePromptsIdempotent(t *testing.T) {
	s := newTestStack(t)
	_, key := s.account(t, 20000)
	site := s.site(t, key)
	cid := s.article(t, key, site, sixKeywords(t, s, key, site))
	path := "/v1/sites/" + site + "/content/" + cid + "/generate-image-prompts"

	for _, bad := range []string{`null`, `{"replace": null}`, `{"replace": "yes"}`, `{"replace": 1}`, `{"other": true}`, `[]`} {
		r := s.c.DoRaw("POST", path, bad, auth(key)...)
		var eb httpapi.ErrorBody
		r.JSON(t, &eb)
		if r.Status != http.StatusBadRequest || eb.Error.Code != "invalid_request" {
			t.Fatalf("body %s: %d %s", bad, r.Status, r.Body)
		}
	}

	var op domain.Operation
	var first string
	refused := 0
	for i := 0; i < 19; i++ {
		var body any
		switch i % 3 {
		case 1:
			body = map[string]any{}
		case 2:
			body = map[string]any{"replace": false}
		}
		r := s.c.Do("POST", path, body, auth(key)...)
		switch {
		case r.Status == http.StatusAccepted && first == "":
			var st struct {
				OperationID string `json:"operation_id"`
			}
			r.JSON(t, &st)
			first = st.OperationID
		case r.Status == http.StatusConflict && strings.Contains(string(r.Body), cid):
			refused++
		default:
			t.Fatalf("call %d: %d %s", i, r.Status, r.Body)
		}
	}
	if op = s.wait(t, key, first); op.Status != domain.OperationSucceeded || refused != 18 {
		t.Fatalf("first %+v, %d refused", op, refused)
	}
	// Once the first is done, the answer is still 409 (it has prompts now).
	if r := s.c.Do("POST", path, nil, auth(key)...); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "replace") {
		t.Fatalf("after the prompts exist: %d %s", r.Status, r.Body)
	}
	old := op.Results
	imgs := listAll[domain.Image](t, s, key, "/v1/sites/"+site+"/images")
	if len(imgs) != 3 || len(usageOf(t, s, key, domain.OperationImagePrompts)) != 1 {
		t.Fatalf("%d images after 20 calls", len(imgs))
	}

	op = s.run(t, key, path, map[string]any{"replace": true})
	if op.Status != domain.OperationSucceeded || len(op.Results) != 3 {
		t.Fatalf("replace: %+v", op)
	}
	current := map[string]bool{}
	for _, id := range op.Results {
		current[id] = true
	}
	byID := map[string]domain.Image{}
	for _, img := range listAll[domain.Image](t, s, key, "/v1/sites/"+site+"/images?include=superseded") {
		byID[img.ID] = img
	}
	for _, id := range old {
		if img := byID[id]; img.Status != domain.ImageSuperseded || !current[img.SupersededBy] {
			t.Fatalf("old image after replace: %+v", img)
		}
	}
	for id := range current {
		if byID[id].Status != domain.ImagePending {
			t.Fatalf("new image: %+v", byID[id])
		}
	}
	if u := usageOf(t, s, key, domain.OperationImagePrompts); len(u) != 2 {
		t.Fatalf("%d image-prompt charges after one replace; want 2", len(u))
	}

	// The next run renders the current images only.
	run := s.startRun(t, key, site)
	s.waitRun(t, key, site, run.ID, ended)
	for _, img := range listAll[domain.Image](t, s, key, "/v1/sites/"+site+"/images?include=superseded") {
		if img.ContentID != cid {
			continue
		}
		switch {
		case current[img.ID] && (img.Status != domain.ImageGenerated || img.URL == ""):
			t.Errorf("current image not rendered: %+v", img)
		case !current[img.ID] && (img.Status != domain.ImageSuperseded || img.URL != ""):
			t.Errorf("old image rendered: %+v", img)
		}
	}
}

// article makes one draft article from keywords through the operations (cluster, ideas, tasks, content)
// and returns its content ID.
func (s *testStack) article(t testing.TB, key, site string, keywords []string) string {
	t.Helper()
	op := s.run(t, key, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": keywords})
	op = s.run(t, key, "/v1/sites/"+site+"/clusters/generate-ideas", map[string]any{"cluster_ids": op.Results[:1]})
	op = s.run(t, key, "/v1/sites/"+site+"/ideas/create-tasks", map[string]any{"idea_ids": op.Results[:1]})
	op = s.run(t, key, "/v1/sites/"+site+"/tasks/generate-content", map[string]any{"task_ids": op.Results})
	if op.Status != domain.OperationSucceeded || len(op.Results) != 1 {
		t.Fatalf("content: %+v", op)
	}
	return op.Results[0]
}
