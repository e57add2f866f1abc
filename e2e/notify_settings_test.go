package e2e

import (
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

// patchServerConfig changes server settings for one test.
func patchServerConfig(t *testing.T, patch *model.Config, restore *model.Config) {
	t.Helper()
	if _, _, err := env.Admin.Client.PatchConfig(testContext(t), patch); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, _, err := env.Admin.Client.PatchConfig(testContext(t), restore); err != nil {
			t.Errorf("restore server config: %v", err)
		}
	})
}

func TestChannelWideMentionsIgnoredInLargeChannels(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author, bob, ivy := f.person("author", true), f.person("bob", true), f.person("ivy", true)
	ch := f.channel("big", author, bob, ivy)
	defaults := model.Config{}
	defaults.SetDefaults()
	patchServerConfig(t,
		&model.Config{TeamSettings: model.TeamSettings{MaxNotificationsPerChannel: model.NewPointer(int64(3))}},
		&model.Config{TeamSettings: model.TeamSettings{MaxNotificationsPerChannel: defaults.TeamSettings.MaxNotificationsPerChannel}})
	everyone := f.post(author, ch.Id, "", "@channel hello")
	named := f.post(author, ch.Id, "", "@"+bob.Username+" hello")
	got := f.settle(author, ivy)
	if len(got[everyone]) != 0 {
		t.Errorf("@channel in a channel at the limit told %v", got[everyone])
	}
	if types := got[named][bob.oid]; len(types) != 1 || types[0] != "mention" {
		t.Errorf("a mention in a large channel: %v", got[named])
	}
}

func TestReplySettingsWithoutCollapsedThreads(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author := f.person("author", true)
	starter := f.person("starter", true) // "comments": threads they started
	joiner := f.person("joiner", true)   // "comments": threads they took part in
	lurker := f.person("lurker", true)   // "comments": never (the default)
	named := f.person("named", true)     // mentioned in the root only
	ch := f.channel("classic", author, starter, joiner, lurker, named)
	ctx := testContext(t)
	for p, setting := range map[*person]string{starter: model.CommentsNotifyRoot, joiner: model.CommentsNotifyAny, lurker: model.CommentsNotifyNever} {
		props := p.NotifyProps
		props[model.CommentsNotifyProp] = setting
		if _, _, err := p.Client.PatchUser(ctx, p.Id, &model.UserPatch{NotifyProps: props}); err != nil {
			t.Fatal(err)
		}
	}
	patchServerConfig(t,
		&model.Config{ServiceSettings: model.ServiceSettings{CollapsedThreads: model.NewPointer(model.CollapsedThreadsDisabled)}},
		&model.Config{ServiceSettings: model.ServiceSettings{CollapsedThreads: model.NewPointer(model.CollapsedThreadsAlwaysOn)}})
	root := f.post(starter, ch.Id, "", "root for @"+named.Username)
	f.post(joiner, ch.Id, root, "joining")
	f.post(lurker, ch.Id, root, "lurking")
	reply := f.post(author, ch.Id, root, "an update")
	got := f.settle(author, named)
	want := map[string]string{starter.oid: "threadReply", joiner.oid: "threadReply"}
	if len(got[reply]) != len(want) {
		t.Errorf("told %v, want starter and joiner only", got[reply])
	}
	for oid, typ := range want {
		if types := got[reply][oid]; len(types) != 1 || types[0] != typ {
			t.Errorf("%s: %v", oid, types)
		}
	}
}

func TestNothingQueuedWhileNotificationsAreOffOrNotSetUp(t *testing.T) {
	for name, change := range map[string]map[string]any{
		"notifications off": {"disablenotifications": true},
		"no client secret":  {"clientsecret": ""},
		"no application ID": {"appid": ""},
	} {
		t.Run(name, func(t *testing.T) {
			useNotifySettings(t, change)
			f := newFixture(t)
			author, bob := f.person("author", true), f.person("bob", true)
			ch := f.channel("off", author, bob)
			errorsBefore := strings.Count(pluginLog(), `"level":"error"`)
			while := f.post(author, ch.Id, "", "@"+bob.Username+" while off")
			useNotifySettings(t, nil)
			got := f.settle(author, bob)
			if len(got[while]) != 0 {
				t.Errorf("a post made while %s was delivered later: %v", name, got[while])
			}
			if n := strings.Count(pluginLog(), `"level":"error"`); n != errorsBefore {
				t.Errorf("the plugin logged %d errors", n-errorsBefore)
			}
		})
	}
}

func TestOwnMentionKeywords(t *testing.T) {
	useNotifySettings(t, nil)
	ctx := testContext(t)
	f := newFixture(t)
	author := f.person("author", true)
	zed := f.person("zed", false)
	props := zed.NotifyProps
	props[model.MentionKeysNotifyProp] = "bridge,Outage"
	props[model.FirstNameNotifyProp] = "true"
	if _, _, err := zed.Client.PatchUser(ctx, zed.Id, &model.UserPatch{FirstName: model.NewPointer("Zed"), NotifyProps: props}); err != nil {
		t.Fatal(err)
	}
	// Linked after choosing the keywords: the plugin reads them on linking
	// (and every few minutes after).
	zed.oid = newOID()
	if r := exchange(t, cloud.Sign(tabToken(zed.oid, zed.Email)), "", nil); r.status != 200 {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	ch := f.channel("keywords", author, zed)
	keyword := f.post(author, ch.Id, "", "the Bridge is open")
	firstName := f.post(author, ch.Id, "", "Zed, look at this outage.")
	inCode := f.post(author, ch.Id, "", "run `bridge --status`")
	got := f.settle(author, zed)
	for name, id := range map[string]string{"keyword": keyword, "first name": firstName} {
		if types := got[id][zed.oid]; len(types) != 1 || types[0] != "mention" {
			t.Errorf("%s: %v", name, got[id])
		}
	}
	if len(got[inCode]) != 0 {
		t.Errorf("a keyword in code told %v", got[inCode])
	}
}
