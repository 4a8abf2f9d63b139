package stack

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// The console's distribution: the bucket is its default origin (through an
// origin access control, with the screen rewrite on viewer requests), and
// /v1/* goes uncached to the HTTP API's host with every method.
func TestConsoleDistribution(t *testing.T) {
	s := dev(t)
	dists := s.ofType("AWS::CloudFront::Distribution")
	if len(dists) != 1 {
		t.Fatalf("%d distributions, want 1", len(dists))
	}
	var cfg map[string]any
	for _, d := range dists {
		cfg, _ = props(d)["DistributionConfig"].(map[string]any)
	}
	raw, _ := json.Marshal(cfg)
	def, _ := cfg["DefaultCacheBehavior"].(map[string]any)
	if len(list(def["FunctionAssociations"])) != 1 || !strings.Contains(string(raw), "viewer-request") {
		t.Errorf("the default behaviour has no viewer-request rewrite: %v", def)
	}
	if len(s.ofType("AWS::CloudFront::OriginAccessControl")) != 1 {
		t.Errorf("the bucket is not behind an origin access control")
	}
	behaviours := list(cfg["CacheBehaviors"])
	if len(behaviours) != 1 {
		t.Fatalf("%d extra behaviours, want /v1/* only", len(behaviours))
	}
	v1, _ := behaviours[0].(map[string]any)
	if v1["PathPattern"] != "/v1/*" || len(list(v1["AllowedMethods"])) != 7 || v1["CachePolicyId"] != "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" {
		t.Errorf("/v1/* behaviour: %v (want all 7 methods and the CachingDisabled policy)", v1)
	}
	api := ""
	for id := range s.ofType("AWS::ApiGatewayV2::Api") {
		api = id
	}
	if !strings.Contains(string(raw), `"`+api+`"`) {
		t.Errorf("no origin names the HTTP API %s: %s", api, raw)
	}
}

// The rewrite (run in Node, whose JavaScript the CloudFront runtime
// shares here): screens get index.html, files keep their path.
func TestConsoleRewrite(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	tests := map[string]string{
		"/":                        "/index.html",
		"/sites/new":               "/index.html",
		"/sites/01abc/automation":  "/index.html",
		"/sites/x/content/01.y/":   "/index.html",
		"/assets/index-abc123.js":  "/assets/index-abc123.js",
		"/assets/index-abc123.css": "/assets/index-abc123.css",
		"/index.html":              "/index.html",
		"/favicon.ico":             "/favicon.ico",
	}
	for in, want := range tests {
		out, err := exec.Command(node, "-e", consoleRewrite+`; process.stdout.write(handler({request: {uri: process.argv[1]}}).uri)`, in).Output()
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if string(out) != want {
			t.Errorf("%s → %s, want %s", in, out, want)
		}
	}
}
