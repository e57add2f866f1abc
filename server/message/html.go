package message

import (
	"bytes"
	"fmt"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

var (
	markdown = goldmark.New(
		// The parser already reads strikethrough, tables and task lists;
		// only their renderers, and links found in plain text, are added.
		goldmark.WithParser(newParser()),
		goldmark.WithExtensions(extension.Linkify),
		goldmark.WithRendererOptions(html.WithHardWraps(), renderer.WithNodeRenderers(
			util.Prioritized(extension.NewStrikethroughHTMLRenderer(), 500),
			util.Prioritized(extension.NewTableHTMLRenderer(), 500),
			util.Prioritized(extension.NewTaskCheckBoxHTMLRenderer(), 500),
		)),
	)
	// The renderer already drops raw HTML and unsafe links; the policy is
	// the second line of defence and also forces rel and target on links.
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
)

// HTML renders a message's markdown as sanitised HTML.
func HTML(msg string) (string, error) {
	src := []byte(msg)
	if len(src) > maxInput {
		src = src[:maxInput]
	}
	var buf bytes.Buffer
	if err := markdown.Convert(src, &buf); err != nil {
		return "", fmt.Errorf("render message: %w", err)
	}
	return policy.Sanitize(buf.String()), nil
}
