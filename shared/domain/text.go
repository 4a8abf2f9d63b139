package domain

import "strings"

// Clip trims the spaces around s and cuts it to at most n characters (runes,
// so a multi-byte character is never split).
func Clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n { // n bytes hold at most n runes
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
