package shopifytest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

const endpoint = "/admin/api/2025-10/graphql.json"

func gqlBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

func TestFakeWire(t *testing.T) {
	s := New()
	defer s.Close()
	do := func(method, path, token, ct, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("X-Shopify-Access-Token", token)
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	const js = "application/json"
	blog := map[string]any{"blog": "gid://shopify/Blog/" + BlogID}
	create := func(title, handle string, tags ...string) string {
		a := map[string]any{"blogId": "gid://shopify/Blog/" + BlogID, "title": title, "author": map[string]any{"name": "Me"}, "tags": tags}
		if handle != "" {
			a["handle"] = handle
		}
		return gqlBody(`mutation C($a: ArticleCreateInput!) { articleCreate(article: $a) { article { id handle tags } userErrors { field message code } } }`,
			map[string]any{"a": a})
	}
	shopQ := gqlBody(`{ shop { name myshopifyDomain } }`, nil)

	tests := []struct {
		name, method, path, token, ct, body string
		arrange                             func()
		status                              int
		contains                            string
	}{
		{"no token", "POST", endpoint, "", js, shopQ, nil, 401, "Invalid API key"},
		{"wrong token", "POST", endpoint, "nope", js, shopQ, nil, 401, "Invalid API key"},
		{"shop", "POST", endpoint, Token, js, shopQ, nil, 200, `"data":{"shop":{"name":"Test Shop","myshopifyDomain":"` + ShopDomain + `"}}`},
		{"cost", "POST", endpoint, Token, js, shopQ, nil, 200, `"throttleStatus":{"currentlyAvailable":1990,"maximumAvailable":2000,"restoreRate":100}`},
		{"scopes", "POST", endpoint, Token, js, gqlBody(`query { currentAppInstallation { accessScopes { handle } } }`, nil), nil, 200,
			`{"handle":"read_content"},{"handle":"read_files"},{"handle":"write_content"},{"handle":"write_files"}`},
		{"REST is not served", "GET", "/admin/api/2025-10/shop.json", Token, "", "", nil, 404, "Not Found"},
		{"GET graphql", "GET", endpoint, Token, "", "", nil, 405, "Method Not Allowed"},
		{"not JSON", "POST", endpoint, Token, "application/graphql", "{ shop { name } }", nil, 415, "Unsupported Media Type"},
		{"no query", "POST", endpoint, Token, js, `{}`, nil, 400, "Required parameter missing"},
		{"parse error", "POST", endpoint, Token, js, gqlBody(`{ shop { name }`, nil), nil, 200, "Parse error"},
		{"unknown root field", "POST", endpoint, Token, js, gqlBody(`{ products { id } }`, nil), nil, 200, `Field 'products' doesn't exist on type 'QueryRoot'`},
		{"unknown nested field", "POST", endpoint, Token, js, gqlBody(`{ shop { nope } }`, nil), nil, 200, `Field 'nope' doesn't exist on type 'Shop'`},
		{"undeclared variable", "POST", endpoint, Token, js, gqlBody(`query { blog(id: $blog) { handle } }`, blog), nil, 200, "Variable $blog is used by anonymous query but not declared"},
		{"missing variable", "POST", endpoint, Token, js, gqlBody(`query B($blog: ID!) { blog(id: $blog) { handle } }`, nil), nil, 200, "Variable $blog of type ID! was provided invalid value"},
		{"blog", "POST", endpoint, Token, js, gqlBody(`query B($blog: ID!) { blog(id: $blog) { id handle } }`, blog), nil, 200,
			`{"blog":{"id":"gid://shopify/Blog/84512123","handle":"news"}}`},
		{"alias and typename", "POST", endpoint, Token, js, gqlBody(`query B($blog: ID!) { b: blog(id: $blog) { __typename h: handle } }`, blog), nil, 200,
			`{"b":{"__typename":"Blog","h":"news"}}`},
		{"other blog", "POST", endpoint, Token, js, gqlBody(`{ blog(id: "gid://shopify/Blog/1") { handle } }`, nil), nil, 200, `"data":{"blog":null}`},
		{"bad gid", "POST", endpoint, Token, js, gqlBody(`{ blog(id: "84512123") { handle } }`, nil), nil, 200, "Invalid global id"},
		{"no title", "POST", endpoint, Token, js, create("", ""), nil, 200, `"userErrors":[{"field":["article","title"],"message":"Title can't be blank","code":"BLANK"}]`},
		{"created", "POST", endpoint, Token, js, create("Hi There", "", "b", " a", "", "B"), nil, 200, `{"id":"gid://shopify/Article/9000000001","handle":"hi-there","tags":["b","a"]}`},
		{"handle taken", "POST", endpoint, Token, js, create("Again", "hi-there"), nil, 200, `"field":["article","handle"],"message":"Handle has already been taken","code":"TAKEN"`},
		{"tag search", "POST", endpoint, Token, js, gqlBody(`{ articles(first: 5, query: "tag:\"A\"") { nodes { handle } } }`, nil), nil, 200, `"nodes":[{"handle":"hi-there"}]`},
		{"tag search misses", "POST", endpoint, Token, js, gqlBody(`{ articles(first: 5, query: "tag:c") { nodes { handle } } }`, nil), nil, 200, `"nodes":[]`},
		{"connection needs first", "POST", endpoint, Token, js, gqlBody(`{ articles(query: "tag:a") { nodes { handle } } }`, nil), nil, 200, "you must provide one of first or last"},
		{"access denied", "POST", endpoint, Token, js, create("Denied", ""), func() { s.SetScopes("read_content") }, 200,
			`"extensions":{"code":"ACCESS_DENIED"`},
		{"read with read_content", "POST", endpoint, Token, js, gqlBody(`query B($blog: ID!) { blog(id: $blog) { handle } }`, blog), nil, 200, `{"blog":{"handle":"news"}}`},
		{"fault first", "POST", endpoint, Token, js, shopQ, func() { s.RateLimitNext(1, "2.0"); s.ThrottleNext(1, 3*time.Second); s.ServerErrorNext(1) }, 429, `"code":"THROTTLED"`},
		{"fault second", "POST", endpoint, Token, js, shopQ, nil, 200, `"requestedQueryCost":300`},
		{"fault third", "POST", endpoint, Token, js, shopQ, nil, 500, "Internal Server Error"},
		{"faults used up", "POST", endpoint, Token, js, shopQ, nil, 200, `"name":"Test Shop"`},
	}
	for _, tc := range tests {
		if tc.arrange != nil {
			tc.arrange()
		}
		status, h, body := do(tc.method, tc.path, tc.token, tc.ct, tc.body)
		if status != tc.status || !strings.Contains(body, tc.contains) {
			t.Errorf("%s: %d %s, want %d containing %s", tc.name, status, body, tc.status, tc.contains)
		}
		if status == 429 && h.Get("Retry-After") != "2.0" {
			t.Errorf("%s: Retry-After %q", tc.name, h.Get("Retry-After"))
		}
	}
	a := s.Articles()
	if len(a) != 1 || a[0].Tags != "b, a" || a[0].Author != "Me" {
		t.Errorf("articles = %+v", a)
	}
	reqs := s.Requests()
	if last := reqs[len(reqs)-1]; last.OpType != "query" || len(last.Fields) != 1 || last.Fields[0] != "shop" || !last.Authorized || last.APIVersion != "2025-10" {
		t.Errorf("last request = %+v", last)
	}
}

// TestFakeUploads: stagedUploadsCreate → multipart POST to the storage (no
// token) → fileCreate → nodes until READY → the CDN URL serves the bytes.
func TestFakeUploads(t *testing.T) {
	s := New()
	defer s.Close()
	s.ProcessFilesAfter(1)
	post := func(query string, vars map[string]any, out any) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.URL+endpoint, strings.NewReader(gqlBody(query, vars)))
		req.Header.Set("X-Shopify-Access-Token", Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, out); err != nil || resp.StatusCode != 200 || strings.Contains(string(b), `"errors"`) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	}
	var staged struct {
		Data struct {
			StagedUploadsCreate struct {
				StagedTargets []struct {
					URL        string `json:"url"`
					Resource   string `json:"resourceUrl"`
					Parameters []struct{ Name, Value string }
				}
			}
		}
	}
	post(`mutation S($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }`,
		map[string]any{"input": []any{map[string]any{"filename": "a.png", "mimeType": "image/png", "resource": "IMAGE", "httpMethod": "POST"}}}, &staged)
	tg := staged.Data.StagedUploadsCreate.StagedTargets[0]

	upload := func(fields [][2]string, fileFirst bool) int {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if fileFirst {
			fw, _ := mw.CreateFormFile("file", "a.png")
			_, _ = fw.Write([]byte("PNGDATA"))
		}
		for _, f := range fields {
			_ = mw.WriteField(f[0], f[1])
		}
		if !fileFirst {
			fw, _ := mw.CreateFormFile("file", "a.png")
			_, _ = fw.Write([]byte("PNGDATA"))
		}
		_ = mw.Close()
		resp, err := s.Client().Post(tg.URL, mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var fields [][2]string
	for _, p := range tg.Parameters {
		fields = append(fields, [2]string{p.Name, p.Value})
	}
	if st := upload(fields, true); st != 400 {
		t.Errorf("file first: %d, want 400", st)
	}
	if st := upload(fields[:len(fields)-1], false); st != 403 {
		t.Errorf("without the policy: %d, want 403", st)
	}
	if st := upload(fields, false); st != 201 {
		t.Fatalf("upload: %d", st)
	}
	if st := upload(fields, false); st != 403 {
		t.Errorf("a target used twice: %d, want 403", st)
	}

	var created struct {
		Data struct {
			FileCreate struct {
				Files []struct{ ID, FileStatus string }
			}
		}
	}
	post(`mutation F($files: [FileCreateInput!]!) { fileCreate(files: $files) { files { id fileStatus } userErrors { field message } } }`,
		map[string]any{"files": []any{map[string]any{"originalSource": tg.Resource, "contentType": "IMAGE", "alt": "an a", "filename": "a.png"}}}, &created)
	f := created.Data.FileCreate.Files[0]
	if f.FileStatus != "UPLOADED" {
		t.Errorf("fileCreate status %q", f.FileStatus)
	}
	type nodes struct {
		Data struct {
			Nodes []struct {
				FileStatus string
				Image      *struct{ URL string }
			}
		}
	}
	q := `query N($ids: [ID!]!) { nodes(ids: $ids) { id ... on MediaImage { fileStatus image { url } } } }`
	var n1, n2 nodes
	post(q, map[string]any{"ids": []any{f.ID}}, &n1)
	post(q, map[string]any{"ids": []any{f.ID}}, &n2)
	if n1.Data.Nodes[0].FileStatus != "PROCESSING" || n2.Data.Nodes[0].FileStatus != "READY" || n2.Data.Nodes[0].Image == nil {
		t.Fatalf("polls: %+v then %+v", n1, n2)
	}
	resp, err := s.Client().Get(n2.Data.Nodes[0].Image.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "PNGDATA" {
		t.Errorf("CDN serves %q", b)
	}
	for _, r := range s.Requests() {
		if r.Upload && r.TokenSent {
			t.Errorf("the upload storage got a token: %+v", r)
		}
	}
	if fs := s.Files(); len(fs) != 1 || fs[0].Alt != "an a" || string(fs[0].Data) != "PNGDATA" {
		t.Errorf("files = %+v", fs)
	}
}

func TestParse(t *testing.T) {
	op, err := parse(`# a comment
mutation Make($a: ArticleCreateInput!, $n: Int = 3) {
  x: articleCreate(article: $a, list: [1, 2.5, "s\"q", true, null, ENUM], obj: {k: $n}) {
    article { id ... on Article { handle } }
  }
}`)
	if err != nil {
		t.Fatal(err)
	}
	if op.Type != "mutation" || op.Name != "Make" || !op.Vars["a"].NonNull || op.Vars["n"].Default != float64(3) {
		t.Errorf("op = %+v", op)
	}
	f := op.Selection[0]
	if f.Alias != "x" || f.Name != "articleCreate" || f.Sub[0].Sub[1].On != "Article" {
		t.Errorf("field = %+v", f)
	}
	got := f.Args["list"].resolve(nil)
	want := []any{float64(1), 2.5, `s"q`, true, nil, "ENUM"}
	if b1, b2 := mustJSON(got), mustJSON(want); b1 != b2 {
		t.Errorf("list = %s, want %s", b1, b2)
	}
	for _, bad := range []string{`{ a`, `fragment F on X { a }`, `{ a @skip(if: true) }`, `{ ...F }`, `{ a } { b }`, `{ }`} {
		if _, err := parse(bad); err == nil {
			t.Errorf("parse(%q) succeeded", bad)
		}
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
