package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// checkPathIDs refuses a request whose path names an ID we could never have
// issued, before any handler (or DynamoDB, which answers a key over 1 KiB
// with a 500) sees it: such an ID names nothing, so it is a 404.
func checkPathIDs(r *http.Request) error {
	for _, name := range wildcards(r.Pattern) {
		if !domain.ValidID(r.PathValue(name)) {
			return fmt.Errorf("no such %s: %w", name, domain.ErrNotFound)
		}
	}
	return nil
}

// wildcards lists the names of the {wildcards} of a ServeMux pattern.
func wildcards(pattern string) []string {
	var names []string
	for _, seg := range strings.Split(pattern, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(strings.TrimSuffix(name, "}"), "...")
			if name != "$" {
				names = append(names, name)
			}
		}
	}
	return names
}

// checkIDs checks the IDs of a body or query field, so a malformed one is a
// 400 naming the field rather than a failed lookup.
func checkIDs(field string, ids ...string) error {
	for _, id := range ids {
		if err := domain.ValidateID(field, id); err != nil {
			return err
		}
	}
	return nil
}

// checkOptionalID is checkIDs for one field that may be left out.
func checkOptionalID(field, id string) error {
	if id == "" {
		return nil
	}
	return domain.ValidateID(field, id)
}

// checkTexts refuses control and bidirectional override characters in
// free-text fields the domain does not check itself; fields are name,
// value pairs.
func checkTexts(multiline bool, fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if err := domain.ValidateText(fields[i], fields[i+1], multiline); err != nil {
			return err
		}
	}
	return nil
}
