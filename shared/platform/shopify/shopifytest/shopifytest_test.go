package shopifytest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestFakeWire(t *testing.T) {
	s := New()
	defer s.Close()
	do := func(method, path, token, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("X-Shopify-Access-Token", token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	articles := "/admin/api/2024-10/blogs/" + BlogID + "/articles.json"

	tests := []struct {
		name, method, path, token, body string
		arrange                         func()
		status                          int
		contains                        string
	}{
		{"no token", "GET", "/admin/api/2024-10/shop.json", "", "", nil, 401, "Invalid API key"},
		{"shop", "GET", "/admin/api/2024-10/shop.json", Token, "", nil, 200, ShopDomain},
		{"scopes", "GET", "/admin/oauth/access_scopes.json", Token, "", nil, 200, `{"access_scopes":[{"handle":"read_content"},{"handle":"write_content"}]}`},
		{"scopes need the token", "GET", "/admin/oauth/access_scopes.json", "nope", "", nil, 401, "Invalid API key"},
		{"unknown path", "GET", "/admin/api/2024-10/nope.json", Token, "", nil, 404, "Not Found"},
		{"bad base64", "POST", articles, Token, `{"article":{"title":"t","image":{"attachment":"%%%"}}}`, nil, 422, `"image":["is invalid"]`},
		{"no title", "POST", articles, Token, `{"article":{"body_html":"x"}}`, nil, 422, `"title":["can't be blank"]`},
		{"no article", "POST", articles, Token, `{}`, nil, 400, "Required parameter missing"},
		{"created", "POST", articles, Token, `{"article":{"title":"Hi There","tags":"b, a,, B","image":{"attachment":"aGk=","filename":"x.png"}}}`, nil, 201, `"handle":"hi-there"`},
		{"tag filter", "GET", articles + "?tag=A", Token, "", nil, 200, `"tags":"b, a"`},
		{"tag filter misses", "GET", articles + "?tag=c", Token, "", nil, 200, `{"articles":[]}`},
		{"fault first", "GET", "/admin/api/2024-10/shop.json", Token, "", func() { s.RateLimitNext(1, "2.0"); s.ServerErrorNext(1) }, 429, "Exceeded 2 calls"},
		{"fault second", "GET", "/admin/api/2024-10/shop.json", Token, "", nil, 500, "Internal Server Error"},
		{"faults used up", "GET", "/admin/api/2024-10/shop.json", Token, "", nil, 200, "shop"},
	}
	for _, tc := range tests {
		if tc.arrange != nil {
			tc.arrange()
		}
		status, h, body := do(tc.method, tc.path, tc.token, tc.body)
		if status != tc.status || !strings.Contains(body, tc.contains) {
			t.Errorf("%s: %d %s, want %d containing %s", tc.name, status, body, tc.status, tc.contains)
		}
		if status == 429 && h.Get("Retry-After") != "2.0" {
			t.Errorf("%s: Retry-After %q", tc.name, h.Get("Retry-After"))
		}
	}
	a := s.Articles()
	if len(a) != 1 || string(a[0].Image.Data) != "hi" || a[0].Tags != "b, a" {
		t.Errorf("articles = %+v", a)
	}
}
