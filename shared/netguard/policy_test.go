package netguard

import (
	"strings"
	"testing"
)

func TestParseAllowList(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		allowed []string
		refused []string
		badPart string // non-empty: parsing fails and the error names this entry
	}{
		{name: "empty", env: "", refused: []string{"127.0.0.1:80"}},
		{
			name:    "trimmed entries",
			env:     " 127.0.0.1:8080 , wp.local:80,,[::1]:9000 ",
			allowed: []string{"127.0.0.1:8080", "wp.local:80", "[::1]:9000"},
			refused: []string{"127.0.0.1:8081", "127.0.0.2:8080", "wp.local:8080", "[::1]:9001", "localhost:8080"},
		},
		{
			name:    "case and trailing dot",
			env:     "WP.Example.TEST:443",
			allowed: []string{"wp.example.test:443", "wp.example.test.:443", "Wp.Example.Test:443"},
		},
		{
			name:    "canonical IP and port spellings",
			env:     "[0:0:0:0:0:0:0:1]:080",
			allowed: []string{"[::1]:80"},
			refused: []string{"[::1]:8080", "127.0.0.1:80"},
		},
		{name: "missing port", env: "127.0.0.1:80,wp.local", badPart: `"wp.local"`},
		{name: "empty port", env: "wp.local:", badPart: `"wp.local:"`},
		{name: "port zero", env: "wp.local:0", badPart: `"wp.local:0"`},
		{name: "port too large", env: "wp.local:65536", badPart: `"wp.local:65536"`},
		{name: "signed port", env: "wp.local:+80", badPart: `"wp.local:+80"`},
		{name: "named port", env: "wp.local:http", badPart: `"wp.local:http"`},
		{name: "missing host", env: ":80", badPart: `":80"`},
		{name: "unbracketed IPv6", env: "::1:80", badPart: `"::1:80"`},
		{name: "URL not host:port", env: "http://wp.local:80", badPart: `"http://wp.local:80"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvAllowHosts, tt.env)
			p, err := PolicyFromEnv()
			if tt.badPart != "" {
				if err == nil {
					t.Fatalf("PolicyFromEnv(%q) = nil error, want one naming %s", tt.env, tt.badPart)
				}
				if !strings.Contains(err.Error(), tt.badPart) || !strings.Contains(err.Error(), EnvAllowHosts) {
					t.Fatalf("error %q does not name %s and %s", err, EnvAllowHosts, tt.badPart)
				}
				return
			}
			if err != nil {
				t.Fatalf("PolicyFromEnv(%q): %v", tt.env, err)
			}
			for _, hp := range tt.allowed {
				if !p.Allows(hp) {
					t.Errorf("Allows(%q) = false, want true", hp)
				}
			}
			for _, hp := range tt.refused {
				if p.Allows(hp) {
					t.Errorf("Allows(%q) = true, want false", hp)
				}
			}
		})
	}
}

func TestZeroPolicyAllowsNothing(t *testing.T) {
	var p Policy
	for _, hp := range []string{"127.0.0.1:80", "localhost:80", "", "garbage"} {
		if p.Allows(hp) {
			t.Errorf("zero Policy Allows(%q)", hp)
		}
	}
}
