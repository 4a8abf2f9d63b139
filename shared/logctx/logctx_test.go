package logctx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestEveryLineCarriesTheContextsIDs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler{slog.NewJSONHandler(&buf, nil)}).With("function", "credit-reserve")
	ctx := With(context.Background(), IDs("request_id", "r1", "account_id", "a1", "site_id", "")...)
	ctx = With(ctx, IDs("operation_id", "o1", "request_id", "r2")...) // a later value wins
	log.InfoContext(ctx, "deep in a call", "n", 1)
	log.WithGroup("g").WarnContext(ctx, "grouped")
	log.Info("no context")
	var lines []map[string]any
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	first := lines[0]
	if first["request_id"] != "r2" || first["account_id"] != "a1" || first["operation_id"] != "o1" || first["function"] != "credit-reserve" || first["n"] != float64(1) {
		t.Errorf("line %v", first)
	}
	if _, ok := first["site_id"]; ok {
		t.Error("an empty ID was written")
	}
	if g, _ := lines[1]["g"].(map[string]any); g["operation_id"] != "o1" {
		t.Errorf("grouped line %v", lines[1])
	}
	if _, ok := lines[2]["request_id"]; ok {
		t.Errorf("a line without context has IDs: %v", lines[2])
	}
}
