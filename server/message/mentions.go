package message

import (
	"strings"
	"unicode"
)

// Mentions are the @-words of a message outside code, as Mattermost finds
// them.
type Mentions struct {
	// Words are the @-words that are not channel-wide mentions.
	Words []Word
	// Channel is set by @channel, All by @all, Here by @here.
	Channel, All, Here bool
}

// Word is one @-word. Names are the names it may mean, most literal first:
// "@bob." may be the user "bob." or, failing that, "bob". Pieces are the
// further names it holds when no name matches ("@ann-@bob" holds "ann"
// and "bob"). All are lower case and without the "@".
type Word struct {
	Names  []string
	Pieces []string
}

// Any reports whether the message mentions anyone at all.
func (m Mentions) Any() bool { return len(m.Words) > 0 || m.Channel || m.All || m.Here }

// ChannelWide reports whether @channel, @all or @here was used.
func (m Mentions) ChannelWide() bool { return m.Channel || m.All || m.Here }

// maxWords bounds the names one post can make the plugin look up.
const maxWords = 64

// FindMentions returns the mentions in texts (a message, attachment text).
func FindMentions(texts ...string) Mentions {
	var m Mentions
	seen := map[string]bool{}
	for _, t := range texts {
		if !strings.Contains(t, "@") {
			continue
		}
		walkText([]byte(t), true, false, func(s string) { m.scan(s, seen) })
	}
	return m
}

// wordRune is what a mention word is made of; anything else splits words.
func wordRune(r rune) bool {
	return r == ':' || r == '.' || r == '-' || r == '_' || r == '@' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

func (m *Mentions) scan(s string, seen map[string]bool) {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !wordRune(r) }) {
		if len(w) > 1 && w[0] == ':' && w[len(w)-1] == ':' {
			continue // an emoji such as :smile:
		}
		w = strings.ToLower(strings.TrimLeft(w, ":.-_"))
		if !strings.HasPrefix(w, "@") || seen[w] {
			continue
		}
		seen[w] = true
		names := suffixVariants(w)
		if m.special(names) {
			continue
		}
		if len(m.Words) >= maxWords {
			continue
		}
		word := Word{}
		for _, n := range names {
			if len(n) > 1 {
				word.Names = append(word.Names, n[1:])
			}
		}
		for _, piece := range strings.FieldsFunc(w, func(r rune) bool { return r == '.' || r == '-' || r == ':' }) {
			if len(piece) > 1 && piece[0] == '@' && piece != w && !isSpecial(piece) {
				word.Pieces = append(word.Pieces, piece[1:])
			}
		}
		if len(word.Names) > 0 {
			m.Words = append(m.Words, word)
		}
	}
}

// suffixVariants is w, then w with each trailing ".", "-", ":" or "_"
// removed in turn, as a sentence may end right after a mention.
func suffixVariants(w string) []string {
	out := []string{w}
	for len(w) > 0 && strings.ContainsRune(".-:_", rune(w[len(w)-1])) {
		w = w[:len(w)-1]
		out = append(out, w)
	}
	return out
}

func isSpecial(w string) bool { return w == "@channel" || w == "@all" || w == "@here" }

// special records a channel-wide mention among names and reports whether
// there was one.
func (m *Mentions) special(names []string) bool {
	for _, n := range names {
		switch n {
		case "@channel":
			m.Channel = true
		case "@all":
			m.All = true
		case "@here":
			m.Here = true
		default:
			continue
		}
		return true
	}
	return false
}
