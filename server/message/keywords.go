package message

import "strings"

// maxKeywordWords bounds how many words of one post are looked up.
const maxKeywordWords = 512

// Words returns the plain words of texts outside code, lower case, each
// with its variants without trailing ".", "-", ":" or "_", for matching
// people's own mention keywords as Mattermost does. @-words are left to
// FindMentions.
func Words(texts ...string) []Word {
	var out []Word
	seen := map[string]bool{}
	for _, t := range texts {
		walkText([]byte(t), true, false, func(s string) {
			for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !wordRune(r) }) {
				if len(out) >= maxKeywordWords {
					return
				}
				w = strings.ToLower(strings.TrimLeft(w, ":.-_"))
				if w == "" || strings.HasPrefix(w, "@") || seen[w] {
					continue
				}
				seen[w] = true
				out = append(out, Word{Names: suffixVariants(w)})
			}
		})
	}
	return out
}
