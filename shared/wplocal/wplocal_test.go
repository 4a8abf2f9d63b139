package wplocal

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Run(m) }

func TestIntegrationWordPressStarts(t *testing.T) {
	start := time.Now()
	s := Shared(t)
	t.Logf("WordPress up at %s in %s", s.URL, time.Since(start).Round(time.Millisecond))
	if _, err := os.Stat(s.ConfigFile); err != nil {
		t.Fatalf("config file: %v", err)
	}
	ctx := context.Background()
	var me struct {
		Roles        []string        `json:"roles"`
		Capabilities map[string]bool `json:"capabilities"`
	}
	if _, err := s.Do(ctx, http.MethodGet, "/wp/v2/users/me?context=edit", nil, &me); err != nil {
		t.Fatal(err)
	}
	if !me.Capabilities["manage_options"] {
		t.Fatalf("admin lacks manage_options: %+v", me.Roles)
	}
	// Pretty permalinks: /wp-json/ routes answer; so does ?rest_route=.
	for _, u := range []string{s.URL + "/wp-json/wp/v2/types/post", s.URL + "/?rest_route=/wp/v2/types/post"} {
		body := get(t, u, 200)
		if !strings.Contains(body, `"slug":"post"`) {
			t.Fatalf("GET %s: %.300s", u, body)
		}
	}
	// Static files of the web root and of wp-content are served.
	get(t, s.URL+"/wp-includes/css/dashicons.min.css", 200)
	get(t, s.URL+"/wp-content/themes/twentytwentythree/style.css", 200)
	get(t, s.URL+"/wp-content/nothing-here.css", 404)
	get(t, s.URL+"/wp-login.php", 200)

	// The author's application password works and the role is author.
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/wp-json/wp/v2/users/me?context=edit", nil)
	req.SetBasicAuth(s.AuthorUsername, s.AuthorAppPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"roles":["author"]`) {
		t.Fatalf("author: %d %.300s", resp.StatusCode, b)
	}
}

func TestIntegrationWordPressPostsHelper(t *testing.T) {
	s := Shared(t)
	ctx := context.Background()
	var cat Term
	if _, err := s.Do(ctx, http.MethodPost, "/wp/v2/categories", strings.NewReader(`{"name":"Helper cat"}`), &cat); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"title":"Helper","content":"<p>c</p>","excerpt":"ex","status":"draft","slug":"helper-post","categories":[%d]}`, cat.ID)
	var made struct{ ID int }
	if _, err := s.Do(ctx, http.MethodPost, "/wp/v2/posts", strings.NewReader(body), &made); err != nil {
		t.Fatal(err)
	}
	posts, err := s.Posts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var p *Post
	for i := range posts {
		if posts[i].ID == made.ID {
			p = &posts[i]
		}
	}
	if p == nil || p.Status != "draft" || p.Title != "Helper" || p.Content != "<p>c</p>" || p.Excerpt != "ex" ||
		len(p.Categories) != 1 || p.Categories[0] != "Helper cat" || p.DateGMT == "" {
		t.Fatalf("post %+v", p)
	}
}

func TestIntegrationWordPressStopAndStartWeb(t *testing.T) {
	s := Shared(t)
	s.StopWeb()
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), time.Second); err == nil {
		c.Close()
		t.Fatal("the port still accepts connections after StopWeb")
	}
	start := time.Now()
	if err := s.StartWeb(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("StartWeb took %s", time.Since(start).Round(time.Millisecond))
	get(t, s.URL+"/wp-json/", 200)
}

// Several instances at once (as test binaries of several packages run):
// separate folders, ports and config files; a stopped instance leaves its
// folder reusable with its posts and credentials.
func TestIntegrationWordPressInstancesAreSeparate(t *testing.T) {
	ctx := context.Background()
	dirs := []string{t.TempDir(), t.TempDir()}
	servers := make([]*Server, len(dirs))
	errs := make([]error, len(dirs))
	var wg sync.WaitGroup
	start := time.Now()
	for i := range dirs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			servers[i], errs[i] = Start(ctx, Options{Dir: dirs[i]})
		}(i)
	}
	wg.Wait()
	t.Logf("two instances in parallel started in %s", time.Since(start).Round(time.Millisecond))
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		defer servers[i].Stop()
	}
	a, b := servers[0], servers[1]
	if a.URL == b.URL || a.ConfigFile == b.ConfigFile {
		t.Fatalf("clash: %s %s", a.ConfigFile, b.ConfigFile)
	}
	if _, err := a.Do(ctx, http.MethodPost, "/wp/v2/posts", strings.NewReader(`{"title":"Only in A","status":"publish"}`), nil); err != nil {
		t.Fatal(err)
	}
	if n := countTitled(t, b, "Only in A"); n != 0 {
		t.Fatalf("B sees A's post")
	}
	// B's credentials do not work on A.
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/wp-json/wp/v2/users/me", nil)
	req.SetBasicAuth(b.Username, b.AppPassword)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("B's password on A: %v %v", err, resp.Status)
	}

	// Stop removes the config file; Start on the same folder brings the site back.
	cfg := a.ConfigFile
	a.Stop()
	if _, err := os.Stat(cfg); !os.IsNotExist(err) {
		t.Fatalf("config file left after Stop: %v", err)
	}
	start = time.Now()
	again, err := Start(ctx, Options{Dir: dirs[0], Port: a.Port})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	t.Logf("restart on an installed folder took %s", time.Since(start).Round(time.Millisecond))
	if again.AppPassword != a.AppPassword || again.URL != a.URL {
		t.Fatalf("credentials or URL changed: %s %s", again.URL, again.Username)
	}
	if n := countTitled(t, again, "Only in A"); n != 1 {
		t.Fatalf("the post did not survive the restart: %d", n)
	}
}

func TestStartWithoutPackagesNamesTheScript(t *testing.T) {
	old := WordPressRoot
	WordPressRoot = filepath.Join(t.TempDir(), "no-wordpress")
	defer func() { WordPressRoot = old }()
	_, err := Start(context.Background(), Options{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "scripts/fetch-wordpress.sh") {
		t.Fatalf("err = %v", err)
	}
}

func countTitled(t *testing.T, s *Server, title string) int {
	t.Helper()
	posts, err := s.Posts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range posts {
		if p.Title == title {
			n++
		}
	}
	return n
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %.300s", url, resp.StatusCode, want, b)
	}
	return string(b)
}
