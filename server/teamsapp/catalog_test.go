package teamsapp

import "testing"

func TestTheCatalogIsComparedByVersionThenByContent(t *testing.T) {
	pkg := Package{Version: "1.0.10", Digest: "d1"}
	cases := []struct {
		name    string
		catalog string
		last    *Upload
		want    CatalogState
	}{
		{"nothing uploaded", "", nil, CatalogMissing},
		{"this package", "1.0.10", &Upload{"1.0.10", "d1"}, CatalogCurrent},
		{"changed since", "1.0.10", &Upload{"1.0.10", "d0"}, CatalogChanged},
		{"uploaded by hand", "1.0.10", nil, CatalogUnrecorded},
		{"an earlier upload recorded", "1.0.10", &Upload{"1.0.9", "d1"}, CatalogUnrecorded},
		{"an older version, by number", "1.0.9", &Upload{"1.0.9", "d1"}, CatalogOlder},
		{"a newer version", "1.1.0", nil, CatalogNewer},
	}
	for _, c := range cases {
		got := CompareCatalog(c.catalog, pkg, c.last)
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
		if got.NeedsUpload() != (c.want != CatalogCurrent) {
			t.Errorf("%s: needs upload %v", c.name, got.NeedsUpload())
		}
	}
	if !CatalogChanged.NeedsHigherVersion() || CatalogOlder.NeedsHigherVersion() || CatalogMissing.NeedsHigherVersion() {
		t.Error("which states need a higher version")
	}
}
