package message

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Preview is the plain text of msg in one line of at most limit
// characters, cut between characters (never inside a combining sequence)
// and ended with "…" when cut.
func Preview(msg string, limit int) string {
	flat := strings.Join(strings.Fields(PlainText(msg)), " ")
	if utf8.RuneCountInString(flat) <= limit || limit < 1 {
		if limit < 1 {
			return ""
		}
		return flat
	}
	runes := []rune(flat)
	cut := limit - 1 // room for the ellipsis
	for cut > 0 && (joinsPrevious(runes[cut]) || runes[cut-1] == zeroWidthJoiner) {
		cut--
	}
	return strings.TrimRightFunc(string(runes[:cut]), unicode.IsSpace) + "…"
}

const zeroWidthJoiner = 0x200D

// joinsPrevious reports whether r belongs to the character before it:
// a combining mark, a variation selector, a zero-width joiner or the
// rune after one, or an emoji skin tone.
func joinsPrevious(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) ||
		(r >= 0xFE00 && r <= 0xFE0F) || r == zeroWidthJoiner || (r >= 0x1F3FB && r <= 0x1F3FF)
}
