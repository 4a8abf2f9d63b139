package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTableFromOutputs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, file, want, err string }{
		{"cdk deploy's outputs", `{"igny8-dev":{"ApiUrl":"https://x","TableName":"igny8-dev-Table-1A2B"}}`, "igny8-dev-Table-1A2B", ""},
		{"no table output", `{"igny8-dev":{"ApiUrl":"https://x"}}`, "", "no TableName"},
		{"not JSON", `nope`, "", "invalid character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "out.json")
			if err := os.WriteFile(p, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := tableFrom(p)
			if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("%q %v; want %q %q", got, err, tc.want, tc.err)
			}
		})
	}
	if _, err := tableFrom(""); err == nil {
		t.Fatal("no file, no error")
	}
}
