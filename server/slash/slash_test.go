package slash

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestQuoteKeepsTypedValuesShortAndInert(t *testing.T) {
	cases := map[string]string{
		"alice":               "alice",
		"`x` **bold** [l](u)": "x bold lu",
		"a\nb<script>":        "abscript",
	}
	for in, want := range cases {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %q, want %q", in, got, want)
		}
	}
	long := Quote(strings.Repeat("é", 100))
	if !utf8.ValidString(long) || utf8.RuneCountInString(long) != maxQuoted+1 {
		t.Errorf("long: %q", long)
	}
	if r := Reply("hi"); r.ResponseType != model.CommandResponseTypeEphemeral || r.Text != "hi" {
		t.Errorf("%+v", r)
	}
}
