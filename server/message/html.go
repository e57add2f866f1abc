package message

import (
	"bytes"
	"fmt"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

var (
	renderer = goldmark.New(
		goldmark.WithParser(newParser()),
		goldmark.WithExtensions(extension.Strikethrough, extension.Table, extension.Linkify, extension.TaskList),
		goldmark.WithRendererOptions(html.WithHardWraps()),
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
	if err := renderer.Convert(src, &buf); err != nil {
		return "", fmt.Errorf("render message: %w", err)
	}
	return policy.Sanitize(buf.String()), nil
}
