package message

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	mmmarkdown "github.com/mattermost/mattermost/server/public/shared/markdown"
)

func firstNames(m Mentions) []string {
	var out []string
	for _, w := range m.Words {
		out = append(out, w.Names[0])
	}
	return out
}

func TestFindMentions(t *testing.T) {
	cases := []struct {
		msg                string
		names              []string
		channel, all, here bool
	}{
		{msg: "hello there"},
		{msg: "hi @Alice", names: []string{"alice"}},
		{msg: "@alice, @bob! and (@carol)", names: []string{"alice", "bob", "carol"}},
		{msg: "thanks @alice.", names: []string{"alice."}},
		{msg: "`@alice` is code", names: nil},
		{msg: "```\n@alice\n```\n@bob", names: []string{"bob"}},
		{msg: "~~~go\n@alice\n~~~", names: nil},
		{msg: "    @alice indented", names: nil},
		{msg: "before\n\n    @alice indented\n\n@bob after", names: []string{"bob"}},
		{msg: "*@alice* and **@bob**", names: []string{"alice", "bob"}},
		{msg: "<b>@alice</b>", names: []string{"alice"}},
		{msg: "mail me at bob@example.com", names: nil},
		{msg: ":@alice:", names: nil},
		{msg: "@channel please", channel: true},
		{msg: "@ALL.", all: true},
		{msg: "@here: status", here: true},
		{msg: "`@channel` no", channel: false},
		{msg: "@alice @alice @ALICE", names: []string{"alice"}},
		{msg: "@", names: nil},
	}
	for _, c := range cases {
		m := FindMentions(c.msg)
		if got := firstNames(m); !slices.Equal(got, c.names) {
			t.Errorf("%q: names %q, want %q", c.msg, got, c.names)
		}
		if m.Channel != c.channel || m.All != c.all || m.Here != c.here {
			t.Errorf("%q: channel/all/here = %v/%v/%v", c.msg, m.Channel, m.All, m.Here)
		}
	}
}

func TestMentionVariantsAndPieces(t *testing.T) {
	m := FindMentions("ping @bob._ and @ann-@joe")
	if len(m.Words) != 2 {
		t.Fatalf("words %+v", m.Words)
	}
	if want := []string{"bob._", "bob.", "bob"}; !slices.Equal(m.Words[0].Names, want) {
		t.Errorf("variants %q, want %q", m.Words[0].Names, want)
	}
	if want := []string{"ann", "joe"}; !slices.Equal(m.Words[1].Pieces, want) {
		t.Errorf("pieces %q, want %q", m.Words[1].Pieces, want)
	}
}

func TestFindMentionsCapsWords(t *testing.T) {
	var b strings.Builder
	for i := range 500 {
		b.WriteString("@user")
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString(string(rune('a'+i%26)) + " ")
	}
	if n := len(FindMentions(b.String()).Words); n > maxWords {
		t.Errorf("%d words, cap %d", n, maxWords)
	}
}

func TestPreview(t *testing.T) {
	cases := map[string]string{
		"**bold** and _it_ [link](https://x.test) `code`": "bold and it link code",
		"# Title\n\n- one\n- two":                         "Title one two",
		"<script>alert(1)</script> hi":                    "<script>alert(1)</script> hi",
		"":                                                "",
		"~~old~~ new and ~gone~":                          "old new and gone",
		"R&amp;D &#8212; `a &amp; b`":                     "R&D — a &amp; b",
		"| Host | State |\n| --- | --- |\n| db1 | **down** |": "Host State db1 down",
		"- [x] page on-call\n- [ ] ~~rollback~~":              "page on-call rollback",
		"> quoted _reply_\n\n***\n\nafter":                    "quoted reply after",
		"![diagram](https://x.test/a.png) see \\*":            "diagram see *",
	}
	for in, want := range cases {
		if got := Preview(in, 150); got != want {
			t.Errorf("Preview(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPreviewCutsOnCharacters(t *testing.T) {
	long := strings.Repeat("é", 200)
	got := Preview(long, 150)
	if n := utf8.RuneCountInString(got); n != 150 || !strings.HasSuffix(got, "…") {
		t.Errorf("%d characters: %q", n, got)
	}
	// "e" + combining acute must not be split from its mark.
	decomposed := strings.Repeat("e\u0301", 100)
	got = Preview(decomposed, 150)
	body := strings.TrimSuffix(got, "…")
	if !utf8.ValidString(got) || strings.HasSuffix(body, "e") {
		t.Errorf("cut inside a character: %q", got[len(got)-8:])
	}
	family := strings.Repeat("👩\u200d👩\u200d👧", 60)
	got = Preview(family, 150)
	body = strings.TrimSuffix(got, "…")
	if strings.HasSuffix(body, "\u200d") || !strings.HasSuffix(body, "👧") {
		t.Errorf("cut inside an emoji sequence: %q", body[len(body)-12:])
	}
}

func TestPreviewNeverSplitsAGraphemeCluster(t *testing.T) {
	clusters := map[string]string{
		"flag":        "🇺🇦",
		"family":      "👩\u200d👩\u200d👧",
		"skin tone":   "👍🏽",
		"keycap":      "1\ufe0f\u20e3",
		"hangul jamo": "\u1100\u1161\u11a8",
		"tag flag":    "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
	}
	for name, cluster := range clusters {
		for offset := range 4 {
			msg := strings.Repeat("a", offset) + strings.Repeat(cluster, 200)
			got := Preview(msg, 150)
			if n := utf8.RuneCountInString(got); n > 150 {
				t.Errorf("%s+%d: %d characters", name, offset, n)
			}
			body := strings.TrimPrefix(strings.TrimSuffix(got, "…"), strings.Repeat("a", offset))
			if strings.ReplaceAll(body, cluster, "") != "" || body == "" {
				t.Errorf("%s+%d: cut inside a cluster: %+q", name, offset, body[max(0, len(body)-16):])
			}
		}
	}
}

func TestHTMLIsSanitised(t *testing.T) {
	cases := []struct{ in, must, mustNot string }{
		{"<script>alert(1)</script>", "&lt;script&gt;", "<script"},
		{"<img src=x onerror=alert(1)>", "&lt;img", "<img"},
		{"[x](javascript:alert(1))", "x", "javascript:"},
		{"**bold**", "<strong>bold</strong>", ""},
		{"[site](https://example.test)", `rel="nofollow noopener"`, ""},
		{"```\n<b>code</b>\n```", "&lt;b&gt;code&lt;/b&gt;", "<b>"},
		{"~~old~~", "<del>old</del>", "~~"},
		{"| a | b |\n| - | - |\n| 1 | 2 |", "<td>1</td>", "|"},
		{"see https://example.test/x", `href="https://example.test/x"`, ""},
	}
	for _, c := range cases {
		got, err := HTML(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, c.must) || (c.mustNot != "" && strings.Contains(got, c.mustNot)) {
			t.Errorf("HTML(%q) = %q", c.in, got)
		}
	}
}

func TestWordsForKeywords(t *testing.T) {
	got := Words("The Bridge is open. `bridge` @alice Zed, look:", "```\nhidden\n```")
	var first []string
	for _, w := range got {
		first = append(first, w.Names[0])
	}
	want := []string{"the", "bridge", "is", "open.", "zed", "look:"}
	if !slices.Equal(first, want) {
		t.Fatalf("words %q, want %q", first, want)
	}
	if !slices.Contains(got[3].Names, "open") {
		t.Errorf("no variant without the full stop: %q", got[3].Names)
	}
}

// mattermostMentions are the @-words the server itself finds in a
// message: the text of paragraphs as markdown.Inspect gives it, split as
// its mention parser splits it.
func mattermostMentions(msg string) []string {
	var words []string
	seen := map[string]bool{}
	process := func(text string) {
		for _, w := range strings.FieldsFunc(text, func(c rune) bool { return !wordRune(c) }) {
			if len(w) > 1 && w[0] == ':' && w[len(w)-1] == ':' {
				continue
			}
			w = strings.ToLower(strings.TrimLeft(w, ":.-_"))
			if strings.HasPrefix(w, "@") && len(w) > 1 && !seen[w] && !isSpecial(w) {
				seen[w] = true
				words = append(words, w[1:])
			}
		}
	}
	buf := ""
	mmmarkdown.Inspect(msg, func(node any) bool {
		text, ok := node.(*mmmarkdown.Text)
		if !ok {
			if buf != "" {
				process(buf)
			}
			buf = ""
			return true
		}
		buf += text.Text
		return false
	})
	if buf != "" {
		process(buf)
	}
	return words
}

func TestMentionsAreFoundWhereMattermostFindsThem(t *testing.T) {
	for _, msg := range []string{
		"hi @alice",
		"    @alice in indented code",
		"text\n\n    @alice indented\n    @bob too\n\n@carol after",
		"```\n@alice\n```",
		"~~~\n@alice\n~~~\n\n@bob",
		"`@alice` and @bob",
		"# @alice in a heading",
		"> @alice quoted\n> and @bob",
		"- @alice in a list\n  - @bob nested",
		"1. @alice\n2. @bob",
		"*@alice* **@bob** ~~@carol~~",
		"[@alice](https://example.com) and <https://example.com/@bob>",
		"| @alice | @bob |\n|---|---|\n| @carol | x |",
		"@alice\n    @bob continues the paragraph",
		"<b>@alice</b>",
		"see https://example.com/@alice and www.example.com/@bob then @carol",
		"(@alice) @bob's turn, @carol.",
		"- item\n\n      @alice code in a list\n\n- @bob",
		"> ```\n> @alice\n> ```\n> @bob",
		"\\@alice escaped, @bob not",
		"@alice\n```\n@bob\n```\n@carol",
		"x\n***\n@alice after a rule",
		"![@alice](https://example.com/a.png) @bob",
	} {
		want := mattermostMentions(msg)
		got := firstNames(FindMentions(msg))
		if !slices.Equal(got, want) {
			t.Errorf("%q: found %q, Mattermost finds %q", msg, got, want)
		}
	}
}
