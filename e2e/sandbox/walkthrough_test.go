package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README shows the walkthrough the sandbox prints, word for word.
func TestTheReadmeShowsTheWalkthroughTheSandboxPrints(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- walkthrough: written by e2e/sandbox, checked by its tests -->\n", "<!-- /walkthrough -->"
	text := string(readme)
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no walkthrough between %q and %q", strings.TrimSpace(begin), end)
	}
	shown := strings.TrimSpace(text[i+len(begin) : j])
	if want := strings.TrimSpace(WalkthroughMarkdown()); shown != want {
		t.Errorf("README.md's walkthrough is not the sandbox's; it should read:\n\n%s", want)
	}
	for _, s := range Walkthrough {
		if _, err := os.Stat(filepath.Join("..", "..", "docs", s.Screenshot)); err != nil {
			t.Errorf("step %q has no screenshot: %v", s.Do, err)
		}
	}
}

func TestThePrintedWalkthroughHasEveryStepInOrder(t *testing.T) {
	printed := WalkthroughText()
	flat := strings.Join(strings.Fields(printed), " ")
	at := 0
	for i, s := range Walkthrough {
		for _, part := range []string{s.Do, s.Expect} {
			k := strings.Index(flat[at:], part)
			if k < 0 {
				t.Fatalf("step %d is not printed whole, or out of order: %q", i+1, part)
			}
			at += k + len(part)
		}
	}
	for _, line := range strings.Split(printed, "\n") {
		if len(line) > 78 {
			t.Errorf("a printed line is wider than a terminal: %q", line)
		}
	}
}

func TestWrapKeepsEveryWordAndIndents(t *testing.T) {
	got := wrap("  1. ", strings.Repeat("word ", 40))
	lines := strings.Split(got, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "  1. word") {
		t.Fatalf("%q", got)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "     word") {
			t.Errorf("a continued line is not indented under the text: %q", l)
		}
	}
	if n := strings.Count(got, "word"); n != 40 {
		t.Errorf("%d words of 40", n)
	}
}
