package message

import (
	"html"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

var textParser = newParser()

// maxInput caps how much of a message is parsed; Mattermost posts are at
// most 16,383 characters, so this only guards against misuse.
const maxInput = 64 << 10

// walkText calls emit with the text of each leaf in source order, and
// with "\n" between blocks. Code spans and fenced code are skipped when
// skipCode is set, as Mattermost skips them when looking for mentions;
// with references, character references outside code are read as the
// characters they stand for.
func walkText(src []byte, skipCode, references bool, emit func(string)) {
	if len(src) > maxInput {
		src = src[:maxInput]
	}
	doc := textParser.Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if n.Type() == ast.TypeBlock && !entering && n.NextSibling() != nil {
			emit("\n")
		}
		if !entering {
			return ast.WalkContinue, nil
		}
		switch node := n.(type) {
		case *ast.CodeSpan, *ast.FencedCodeBlock, *ast.CodeBlock:
			// Mattermost looks for mentions only in the text of
			// paragraphs (markdown.Inspect, as the server's
			// getExplicitMentions walks it): never in code, fenced or
			// indented.
			if skipCode {
				return ast.WalkSkipChildren, nil
			}
			emit(string(lines(node, src)))
			if _, inline := node.(*ast.CodeSpan); inline {
				return ast.WalkSkipChildren, nil
			}
		case *ast.Text:
			// The source keeps a backslash escape; the reader sees the
			// character alone.
			text := string(util.UnescapePunctuations(node.Segment.Value(src)))
			if references {
				// Outside code, "&amp;" shows as "&".
				text = html.UnescapeString(text)
			}
			emit(text)
			if node.SoftLineBreak() || node.HardLineBreak() {
				emit("\n")
			}
		case *ast.String:
			emit(string(node.Value))
		case *ast.AutoLink:
			// A link's address is no text Mattermost reads mentions in.
			if !skipCode {
				emit(string(node.URL(src)))
			}
		}
		return ast.WalkContinue, nil
	})
}

// lines is a block's raw lines, or a code span's text.
func lines(n ast.Node, src []byte) []byte {
	if n.Type() == ast.TypeInline {
		var b []byte
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok {
				b = append(b, t.Segment.Value(src)...)
			}
		}
		return b
	}
	var b []byte
	ls := n.Lines()
	for i := 0; i < ls.Len(); i++ {
		seg := ls.At(i)
		b = append(b, seg.Value(src)...)
	}
	return b
}

// PlainText is the message as a reader sees it, without markdown, its
// character references ("&amp;", "&#8212;") read as the characters
// Mattermost shows.
func PlainText(msg string) string {
	var b strings.Builder
	walkText([]byte(msg), false, true, func(s string) { b.WriteString(s) })
	return b.String()
}
