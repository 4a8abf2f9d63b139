package blob

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestDirPut(t *testing.T) {
	d := Dir{Root: t.TempDir(), BaseURL: "http://127.0.0.1:8080/files/"}
	url, err := d.Put(context.Background(), "images/a/b.png", []byte("png"), "image/png")
	if err != nil || url != "http://127.0.0.1:8080/files/images/a/b.png" {
		t.Fatalf("%s %v", url, err)
	}
	if b, _ := os.ReadFile(filepath.Join(d.Root, "images/a/b.png")); string(b) != "png" {
		t.Fatalf("content %q", b)
	}
	for _, bad := range []string{"", "../escape.png", "/"} {
		if _, err := d.Put(context.Background(), bad, nil, ""); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
}

func TestDirGet(t *testing.T) {
	d := Dir{Root: t.TempDir(), BaseURL: "http://127.0.0.1:8080/files"}
	url, err := d.Put(context.Background(), "images/a/b.png", []byte("png-bytes"), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	data, ct, err := d.Get(context.Background(), url)
	if err != nil || string(data) != "png-bytes" || ct != "image/png" {
		t.Fatalf("get %s: %q %q %v", url, data, ct, err)
	}
	for _, bad := range []string{"http://elsewhere/images/a/b.png", "http://127.0.0.1:8080/files/../etc/passwd", "http://127.0.0.1:8080/files/"} {
		if _, _, err := d.Get(context.Background(), bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
