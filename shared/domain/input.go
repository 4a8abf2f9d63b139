package domain

import (
	"unicode/utf8"
)

// MaxIDLen bounds every ID a client sends. Ours are 26-character ULIDs;
// model IDs are short names. DynamoDB refuses keys over 1 KiB with a
// ValidationException, so an unchecked long ID would surface as a 500.
const MaxIDLen = 128

// ValidID reports whether id has the shape of an ID we could have issued:
// 1 to MaxIDLen characters of letters, digits and . _ : - (starting with a
// letter or digit). Anything else cannot name an item, so a path with it is
// a 404 and a body field with it a 400, before any lookup.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == ':' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// ValidateID checks an ID a client sent in a body field.
func ValidateID(field, id string) error {
	if id == "" {
		return Invalid(field, "is required")
	}
	if !ValidID(id) {
		return Invalid(field, "is not a valid ID (at most %d letters, digits and . _ : -)", MaxIDLen)
	}
	return nil
}

// ValidateText refuses what has no place in a name or a text a person
// reads: invalid UTF-8, NUL and other control characters (tab and newline
// are allowed where the text is multi-line) and the bidirectional
// overrides and isolates that make text display differently from what it
// says (U+202A–U+202E, U+2066–U+2069).
func ValidateText(field, v string, multiline bool) error {
	if !utf8.ValidString(v) {
		return Invalid(field, "must be valid UTF-8")
	}
	for _, r := range v {
		switch {
		case multiline && (r == '\n' || r == '\t' || r == '\r'):
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return Invalid(field, "must not contain control characters (found U+%04X)", r)
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return Invalid(field, "must not contain bidirectional override characters (found U+%04X)", r)
		}
	}
	return nil
}
