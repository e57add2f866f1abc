package message

import (
	"reflect"

	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/util"
)

// newParser is the markdown Mattermost renders, CommonMark with
// strikethrough, tables and task lists, without raw HTML: Mattermost shows
// HTML in a message as the text it is, so it is never parsed as markup
// here either.
func newParser() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(without(parser.DefaultBlockParsers(), parser.NewHTMLBlockParser())...),
		parser.WithInlineParsers(without(parser.DefaultInlineParsers(), parser.NewRawHTMLParser())...),
		parser.WithInlineParsers(
			util.Prioritized(extension.NewStrikethroughParser(), 500),
			util.Prioritized(extension.NewTaskCheckBoxParser(), 0),
			// Bare addresses are links, as Mattermost reads them: no
			// mention is found inside one.
			util.Prioritized(extension.NewLinkifyParser(), 999),
		),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
		parser.WithParagraphTransformers(util.Prioritized(extension.NewTableParagraphTransformer(), 200)),
		parser.WithASTTransformers(util.Prioritized(extension.NewTableASTTransformer(), 0)),
	)
}

// without is list less the parsers of drop's type.
func without(list []util.PrioritizedValue, drop any) []util.PrioritizedValue {
	out := make([]util.PrioritizedValue, 0, len(list))
	for _, v := range list {
		if reflect.TypeOf(v.Value) != reflect.TypeOf(drop) {
			out = append(out, v)
		}
	}
	return out
}
