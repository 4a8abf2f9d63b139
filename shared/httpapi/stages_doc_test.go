package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// The API's own text about automation runs names the stages of
// domain.Stages, in order: a stage added, renamed or moved there must be
// reflected in the contract users read.
func TestOpenAPIDescribesTheStageTable(t *testing.T) {
	var doc struct {
		Info struct {
			Description string `json:"description"`
		} `json:"info"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	const lead = "A run takes a site through seven stages in order: "
	text := doc.Info.Description
	i := strings.Index(text, lead)
	if i < 0 {
		t.Fatalf("the API description no longer says %q", lead)
	}
	if len(domain.Stages) != 7 {
		t.Fatalf("the description says seven stages; domain.Stages has %d", len(domain.Stages))
	}
	rest := text[i+len(lead):]
	for _, s := range domain.Stages {
		name := strings.ToLower(s.Name)
		j := strings.Index(rest, name)
		if j < 0 {
			t.Fatalf("stage %d %q is not named (in order) in the API description after %q", s.N, name, lead)
		}
		rest = rest[j+len(name):]
	}
}
