package local

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// consoleHandler serves the built web console (console/dist, from
// scripts/console.sh) at / and sends /v1/ to the API: a file that exists is
// served as it is, and every other path is answered with index.html, so
// that a console URL such as /sites/x/keywords loads the app, which picks
// the screen. Hashed assets are cached for good; index.html never is (it
// names the current assets). With no built console (dir empty or without
// index.html) everything goes to the API, as before the console existed.
func consoleHandler(dir string, api http.Handler) http.Handler {
	index := filepath.Join(dir, "index.html")
	if dir == "" {
		return api
	}
	if _, err := os.Stat(index); err != nil {
		return api
	}
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1" || strings.HasPrefix(r.URL.Path, "/v1/") {
			api.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		if p != "/" && p != "/index.html" {
			if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err == nil && !st.IsDir() {
				if strings.HasPrefix(p, "/assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				files.ServeHTTP(w, r)
				return
			}
		}
		f, err := os.Open(index)
		if err != nil {
			http.Error(w, "console not built (scripts/console.sh)", http.StatusNotFound)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// ServeContent, not ServeFile: the latter redirects .../index.html.
		http.ServeContent(w, r, "index.html", st.ModTime(), f)
	})
}
