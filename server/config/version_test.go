package config

import "testing"

func TestVersionsCompareByNumberNotText(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{{"1.0.9", "1.0.10", true}, {"1.0.10", "1.0.9", false}, {"1.2.0", "1.10.0", true}, {"2.0.0", "1.99.99", false}, {"1.0.0", "1.0.0", false}} {
		if got := VersionLess(c.a, c.b); got != c.less {
			t.Errorf("%s < %s: %v", c.a, c.b, got)
		}
	}
	if NextPatch("1.4.9") != "1.4.10" || ValidVersion("1.4") || ValidVersion("01.0.0") || !ValidVersion("0.0.1") {
		t.Error("next patch or validity")
	}
}
