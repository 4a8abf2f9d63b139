package netguard

import (
	"errors"
	"net/url"
	"testing"
)

func TestCheckURL(t *testing.T) {
	allow := mustPolicy(t, "127.0.0.1:8080", "wp.local:80", "[::1]:9000", "localhost:8443")
	tests := []struct {
		url    string
		policy Policy
		want   error // nil, ErrInvalidURL or ErrTargetNotAllowed
		class  Class // for ErrTargetNotAllowed
	}{
		// public names
		{url: "https://example.com", want: nil},
		{url: "https://shop.example.com/wp-json/", want: nil},
		{url: "http://Example.COM:8080/path?q=1#frag", want: nil},
		{url: "https://example.com./", want: nil},
		{url: "https://xn--bcher-kva.example/", want: nil},
		// schemes
		{url: "ftp://example.com/", want: ErrInvalidURL},
		{url: "file:///etc/passwd", want: ErrInvalidURL},
		{url: "gopher://example.com:70/", want: ErrInvalidURL},
		{url: "javascript:alert(1)", want: ErrInvalidURL},
		{url: "//example.com/", want: ErrInvalidURL},
		{url: "example.com", want: ErrInvalidURL},
		{url: "HTTPS://example.com/", want: nil}, // url.Parse lower-cases the scheme
		// host required, well formed
		{url: "http://", want: ErrInvalidURL},
		{url: "http:///path", want: ErrInvalidURL},
		{url: "http:example.com", want: ErrInvalidURL},
		{url: "http://:80/", want: ErrInvalidURL},
		{url: "http://example.com:0/", want: ErrInvalidURL},
		{url: "http://example.com:65536/", want: ErrInvalidURL},
		{url: "http://exa mple.com/", want: ErrInvalidURL},
		{url: "http://[::1/", want: ErrInvalidURL},
		{url: "http://example..com/", want: nil}, // odd but public-looking; the dialer decides
		{url: "http://example.com../", want: ErrTargetNotAllowed, class: ClassInvalid},
		// credentials
		{url: "https://user:pass@example.com/", want: ErrInvalidURL},
		{url: "https://user@example.com/", want: ErrInvalidURL},
		{url: "https://:@example.com/", want: ErrInvalidURL},
		{url: "http://example.com@127.0.0.1/", want: ErrInvalidURL},
		{url: "http://wp.local:80@wp.local/", policy: allow, want: ErrInvalidURL},
		// IP literals of every kind, public ones too
		{url: "http://127.0.0.1/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://0.0.0.0:80/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://10.0.0.5/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://169.254.169.254/latest/meta-data/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://93.184.216.34/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://[::1]/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://[::ffff:127.0.0.1]/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://[fe80::1%25eth0]/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://[2606:4700::1]/", want: ErrTargetNotAllowed, class: ClassIPLiteral},
		// numeric spellings resolvers may read as IPv4
		{url: "http://2130706433/", want: ErrTargetNotAllowed, class: ClassNumericName},
		{url: "http://0x7f000001/", want: ErrTargetNotAllowed, class: ClassNumericName},
		{url: "http://0x7f.1/", want: ErrTargetNotAllowed, class: ClassNumericName},
		{url: "http://0177.0.0.1/", want: ErrTargetNotAllowed, class: ClassNumericName},
		{url: "http://127.1/", want: ErrTargetNotAllowed, class: ClassNumericName},
		// internal names
		{url: "http://localhost/", want: ErrTargetNotAllowed, class: ClassName},
		{url: "http://LOCALHOST:8080/", want: ErrTargetNotAllowed, class: ClassName},
		{url: "http://localhost./", want: ErrTargetNotAllowed, class: ClassName},
		{url: "http://api.localhost/", want: ErrTargetNotAllowed, class: ClassName},
		{url: "http://printer.local/", want: ErrTargetNotAllowed, class: ClassName},
		{url: "http://metadata.google.internal/", want: ErrTargetNotAllowed, class: ClassName},
		{url: "http://wordpress:8080/", want: ErrTargetNotAllowed, class: ClassName},
		{url: "http://localhost.example.com/", want: nil}, // only the suffix counts
		// allow list: exact host:port only, with the scheme's default port
		{url: "http://127.0.0.1:8080/wp-json/", policy: allow, want: nil},
		{url: "http://127.0.0.1:8081/", policy: allow, want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://127.0.0.1/", policy: allow, want: ErrTargetNotAllowed, class: ClassIPLiteral},
		{url: "http://wp.local/", policy: allow, want: nil},
		{url: "http://WP.LOCAL:80/", policy: allow, want: nil},
		{url: "https://wp.local/", policy: allow, want: ErrTargetNotAllowed, class: ClassName},
		{url: "http://[::1]:9000/", policy: allow, want: nil},
		{url: "http://[0:0:0:0:0:0:0:1]:9000/", policy: allow, want: nil},
		{url: "https://localhost:8443/", policy: allow, want: nil},
		{url: "https://localhost/", policy: allow, want: ErrTargetNotAllowed, class: ClassName},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := CheckURL(tt.policy, tt.url)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckURL(%q) = %v, want nil", tt.url, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckURL(%q) = %v, want %v", tt.url, err, tt.want)
			}
			if tt.want == ErrTargetNotAllowed {
				te, isTarget := errors.AsType[*TargetError](err)
				if !isTarget || te.Class != tt.class {
					t.Fatalf("CheckURL(%q) = %v, want class %s", tt.url, err, tt.class)
				}
			}
		})
	}
}

// FuzzCheckURL checks CheckURL never panics and never passes a URL that is
// not plain http(s) with a host and no credentials.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/", "http://127.0.0.1:8080/", "http://[::ffff:127.0.0.1]/",
		"http://user:pass@example.com/", "http://localhost./", "http://0x7f.1/", "http://[fe80::1%25eth0]:80/",
		"http://example.com:99999/", "ftp://x/", "http://%41/", "http://[", "", ":", "http://.", "http://..",
	} {
		f.Add(s)
	}
	allow := mustPolicy(f, "127.0.0.1:8080", "[::1]:9000")
	f.Fuzz(func(t *testing.T, raw string) {
		for _, p := range []Policy{{}, allow} {
			if CheckURL(p, raw) != nil {
				continue
			}
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
				t.Fatalf("CheckURL passed %q", raw)
			}
		}
	})
}
