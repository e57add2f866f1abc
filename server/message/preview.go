package message

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Preview is the plain text of msg in one line of at most limit
// characters (code points), ended with "…" when cut. The cut falls
// between grapheme clusters (UAX #29), so a flag, an emoji sequence or a
// letter with its marks is never split.
func Preview(msg string, limit int) string {
	if limit < 1 {
		return ""
	}
	flat := strings.Join(strings.Fields(PlainText(msg)), " ")
	if utf8.RuneCountInString(flat) <= limit {
		return flat
	}
	room := limit - 1 // for the ellipsis
	var b strings.Builder
	rest, state := flat, -1
	for rest != "" {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		room -= utf8.RuneCountInString(cluster)
		if room < 0 {
			break
		}
		b.WriteString(cluster)
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace) + "…"
}
