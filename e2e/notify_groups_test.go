package e2e

import (
	"encoding/json"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

// TestUserGroupMentions needs a licensed server, as Mattermost's user
// groups do: a group that allows mentions tells its members who are in
// the channel; an archived one tells nobody.
func TestUserGroupMentions(t *testing.T) {
	useNotifySettings(t, nil)
	ctx := testContext(t)
	f := newFixture(t)
	author, bob, ivy, outside := f.person("author", true), f.person("bob", true), f.person("ivy", true), f.person("outside", true)
	ch := f.channel("groups", author, bob, ivy)
	env.Server.SetLicense(model.NewTestLicenseSKU(model.LicenseShortSkuProfessional))
	t.Cleanup(func() { env.Server.SetLicense(nil) })
	group := func(name string, members ...*person) string {
		t.Helper()
		ids := []string{}
		for _, m := range members {
			ids = append(ids, m.Id)
		}
		n := name + "-" + f.suffix
		resp, err := env.Admin.Client.DoAPIPostJSON(ctx, "/groups", &model.GroupWithUserIds{
			Group: model.Group{Name: &n, DisplayName: name, Source: model.GroupSourceCustom, AllowReference: true}, UserIds: ids})
		if err != nil {
			t.Fatalf("create group %s: %v", name, err)
		}
		defer resp.Body.Close()
		var g model.Group
		if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
			t.Fatal(err)
		}
		return g.Id
	}
	group("oncall", bob, outside, author)
	if _, _, err := env.Admin.Client.DeleteGroup(ctx, group("retired", ivy)); err != nil {
		t.Fatal(err)
	}
	oncall := f.post(author, ch.Id, "", "@oncall-"+f.suffix+" page the bridge")
	retired := f.post(author, ch.Id, "", "@retired-"+f.suffix+" page the bridge")
	got := f.settle(author, ivy)
	if len(got[oncall]) != 1 || len(got[oncall][bob.oid]) != 1 || got[oncall][bob.oid][0] != "mention" {
		t.Errorf("@oncall told %v; want bob only, as a mention", got[oncall])
	}
	if len(got[retired]) != 0 {
		t.Errorf("an archived group told %v", got[retired])
	}
	env.Server.SetLicense(nil)
	unlicensed := f.post(author, ch.Id, "", "@oncall-"+f.suffix+" again")
	if got := f.settle(author, ivy); len(got[unlicensed]) != 0 {
		t.Errorf("a group mention on an unlicensed server told %v", got[unlicensed])
	}
}
