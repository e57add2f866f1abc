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

func TestTheContentDigestIgnoresOnlyTheVersion(t *testing.T) {
	in := Input{AppID: "0b6f7c9e-3a1d-4c2b-9e8f-1a2b3c4d5e6f", Version: "1.0.0", DisplayName: "Mattermost", ClientID: "c", PluginID: "p"}
	digest := func(in Input, color []byte) string {
		d, err := ContentDigest(*NewManifest(in), color, []byte{2})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := digest(in, []byte{1})
	raised := in
	raised.Version = "1.0.1"
	renamed := in
	renamed.DisplayName = "Mission"
	if digest(raised, []byte{1}) != base || digest(renamed, []byte{1}) == base || digest(in, []byte{9}) == base || len(base) != 64 {
		t.Error("the digest follows something other than the content")
	}
}
