package message

import (
	"reflect"

	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/util"
)

// newParser is CommonMark without raw HTML: Mattermost shows HTML in a
// message as the text it is, so it is never parsed as markup here either.
func newParser(extra ...parser.Option) parser.Parser {
	opts := append([]parser.Option{
		parser.WithBlockParsers(without(parser.DefaultBlockParsers(), parser.NewHTMLBlockParser())...),
		parser.WithInlineParsers(without(parser.DefaultInlineParsers(), parser.NewRawHTMLParser())...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	}, extra...)
	return parser.NewParser(opts...)
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
