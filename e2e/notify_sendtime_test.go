package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
)

// What changes while a notification is held is looked at again when it
// leaves: nothing reaches Teams that Mattermost would not show then.

// heldDirectMessage holds notifications 3 seconds and makes an author,
// bob and a witness (both linked), and the author's direct channel with
// bob.
func heldDirectMessage(t *testing.T) (f *fixture, author, bob, witness *person, dm *model.Channel) {
	t.Helper()
	useNotifySettings(t, map[string]any{"notificationholdseconds": 3})
	f = newFixture(t)
	author, bob, witness = f.person("author", false), f.person("bob", true), f.person("witness", true)
	dm, _, err := author.Client.CreateDirectChannel(testContext(t), author.Id, bob.Id)
	if err != nil {
		t.Fatal(err)
	}
	return f, author, bob, witness, dm
}

// waitQueued waits until the plugin has queued the post's notification.
func waitQueued(t *testing.T, postID string) {
	t.Helper()
	waitFor(t, "the notification queued", func() bool {
		v, _ := env.Server.PluginKV(env.PluginID).KVGet("nq_job_" + postID)
		return len(v) > 0
	})
}

func TestADeletedPostNeverReachesTeams(t *testing.T) {
	f, author, bob, witness, dm := heldDirectMessage(t)
	post := f.post(author, dm.Id, "", "the door code is 4711-SECRET")
	if _, err := author.Client.DeletePost(testContext(t), post); err != nil {
		t.Fatal(err)
	}
	f.settle(author, witness)
	if got := told()[post]; len(got) != 0 {
		t.Fatalf("a deleted post reached Teams: %v", got)
	}
	for _, n := range cloud.Feed(bob.oid) {
		if n.Preview == "the door code is 4711-SECRET" {
			t.Fatal("the deleted text is in bob's feed")
		}
	}
}

func TestAnEditedPostReachesTeamsAsItReadsThen(t *testing.T) {
	f, author, bob, _, dm := heldDirectMessage(t)
	post := f.post(author, dm.Id, "", "the door code is 4711-SECRET")
	edited := "the door code is in the vault"
	if _, _, err := author.Client.PatchPost(testContext(t), post, &model.PostPatch{Message: &edited}); err != nil {
		t.Fatal(err)
	}
	waitTold(t, time.Minute, post)
	feed := cloud.Feed(bob.oid)
	if len(feed) == 0 {
		t.Fatal("bob's feed is empty")
	}
	for _, n := range feed {
		if subEntity(n) == post && n.Preview != edited {
			t.Fatalf("the preview says %q, want the text as edited", n.Preview)
		}
	}
}

func TestSomeoneDeactivatedUnlinkedMutedOrRemovedDuringTheHoldIsNotTold(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 3})
	f := newFixture(t)
	author := f.person("author", false)
	bob := f.person("bob", true)
	carol := f.person("carol", true)
	dan := f.person("dan", true)
	erin := f.person("erin", true)
	finn := f.person("finn", true)
	witness := f.person("witness", true)
	ch := f.channel("sendtime", author, bob, carol, dan, erin, finn, witness)
	post := f.post(author, ch.Id, "", "@"+bob.Username+" @"+carol.Username+" @"+dan.Username+" @"+erin.Username+" @"+finn.Username+" please look")
	if _, err := env.Admin.Client.DeleteUser(testContext(t), bob.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := erin.Client.UpdateChannelNotifyProps(testContext(t), ch.Id, erin.Id,
		map[string]string{model.MarkUnreadNotifyProp: model.ChannelMarkUnreadMention}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.Client.RemoveUserFromChannel(testContext(t), ch.Id, finn.Id); err != nil {
		t.Fatal(err)
	}
	if r := pluginCall(t, "DELETE", "/api/v1/links/users/"+carol.Id, nil, http.Header{"Authorization": {"Bearer " + env.Admin.Client.AuthToken}}); r.status != 200 {
		t.Fatalf("unlink carol: %d %s", r.status, r.raw)
	}
	waitTold(t, time.Minute, post)
	f.settle(author, witness)
	got := told()[post]
	for name, p := range map[string]*person{"deactivated": bob, "unlinked": carol, "muted the channel": erin, "removed from the channel": finn} {
		if len(got[p.oid]) != 0 {
			t.Errorf("%s during the hold, and told: %v", name, got[p.oid])
		}
	}
	if len(got[dan.oid]) != 1 {
		t.Fatalf("dan, still linked, was told %d times", len(got[dan.oid]))
	}
}

// Mattermost counts no mention inside code, indented code included.
func TestAMentionInIndentedCodeTellsNobody(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 0})
	f := newFixture(t)
	author := f.person("author", false)
	bob := f.person("bob", true)
	witness := f.person("witness", true)
	ch := f.channel("code", author, bob, witness)
	post := f.post(author, ch.Id, "", "the log says:\n\n    ERROR page @"+bob.Username+" now\n\nnothing else")
	f.settle(author, witness)
	if got := told()[post]; len(got) != 0 {
		t.Fatalf("a mention in indented code was told: %v", got)
	}
}

// What a notification says follows the server's push notification
// contents, and the plugin's setting can only say less.
func TestNotificationsSayNoMoreThanThePushContentsAllow(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 0})
	f := newFixture(t)
	author := f.person("author", true)
	bob := f.person("bob", true)
	ch := f.channel("contents", author, bob)
	dm, _, err := author.Client.CreateDirectChannel(testContext(t), author.Id, bob.Id)
	if err != nil {
		t.Fatal(err)
	}
	defaults := model.Config{}
	defaults.SetDefaults()
	contents := func(v string) *model.Config {
		return &model.Config{EmailSettings: model.EmailSettings{PushNotificationContents: model.NewPointer(v)}}
	}
	patchServerConfig(t, contents(model.GenericNotification), contents(*defaults.EmailSettings.PushNotificationContents))
	secret := "the door code is 4711-SECRET"
	shown := func(post string) msfake.Notification {
		t.Helper()
		waitTold(t, time.Minute, post)
		for _, n := range cloud.Feed(bob.oid) {
			if subEntity(n) == post {
				return n
			}
		}
		t.Fatalf("no feed item for %s", post)
		return msfake.Notification{}
	}
	generic := shown(f.post(author, dm.Id, "", secret))
	if strings.Contains(generic.Preview, "4711") || generic.TemplateParameters["author"] == "" {
		t.Fatalf("generic: preview %q, parameters %v", generic.Preview, generic.TemplateParameters)
	}
	// The plugin's own setting narrows it further.
	useNotifySettings(t, map[string]any{"notificationholdseconds": 0, "notificationcontents": "id_loaded"})
	idOnly := shown(f.post(author, ch.Id, "", "@"+bob.Username+" "+secret))
	for _, v := range append([]string{idOnly.Preview}, idOnly.TemplateParameters["author"], idOnly.TemplateParameters["channel"]) {
		if strings.Contains(v, "4711") || strings.Contains(v, author.Username) || strings.Contains(v, "Channel contents") {
			t.Fatalf("id only says %q: preview %q, parameters %v", v, idOnly.Preview, idOnly.TemplateParameters)
		}
	}
	// A setting that would say more than the server allows says no more.
	useNotifySettings(t, map[string]any{"notificationholdseconds": 0, "notificationcontents": "server"})
	again := shown(f.post(author, dm.Id, "", secret+" again"))
	if strings.Contains(again.Preview, "4711") {
		t.Fatalf("the plugin said more than the server's generic: %q", again.Preview)
	}
	// A value the plugin does not know is refused, naming the field.
	err = harness.SetPluginSettings(testContext(t), env.Admin.Client, env.PluginID, map[string]any{"notificationcontents": "everything"})
	if err == nil || !strings.Contains(err.Error(), "Teams notification contents") {
		t.Fatalf("an unknown value: %v", err)
	}
}

// Notifications turned off during the hold stay unsent once turned on.
func TestWhatWaitedWhileNotificationsWereOffNeverReachesTeams(t *testing.T) {
	f, author, _, witness, dm := heldDirectMessage(t)
	post := f.post(author, dm.Id, "", "sent while notifications were on")
	waitQueued(t, post)
	useNotifySettings(t, map[string]any{"notificationholdseconds": 3, "disablenotifications": true})
	useNotifySettings(t, map[string]any{"notificationholdseconds": 3})
	f.settle(author, witness)
	if got := told()[post]; len(got) != 0 {
		t.Fatalf("a notification held while they were turned off was sent: %v", got)
	}
}

// Teams refuses a request naming anyone without its app: the refusal
// must cost that person alone, who is then told once, in Mattermost, how
// to get notifications back, and not tried again meanwhile.
func TestOneRefusedRecipientCostsOnlyThemselvesAndIsToldOnce(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 0})
	f := newFixture(t)
	author := f.person("author", false)
	members := []*person{author}
	for i := range 10 {
		members = append(members, f.person(fmt.Sprint("m", i), true))
	}
	refused := members[5]
	cloud.SetTeamsAppInstalled(testTenant, false, refused.oid)
	t.Cleanup(func() { cloud.SetTeamsAppInstalled(testTenant, true, refused.oid) })
	ch := f.channel("refusal", members...)

	for round, text := range []string{"@channel the bridge is up", "@channel the bridge is still up"} {
		post := f.post(author, ch.Id, "", text)
		waitTold(t, time.Minute, post)
		got := f.settle(author, members[1])[post]
		for _, m := range members[1:] {
			want := 1
			if m == refused {
				want = 0
			}
			if len(got[m.oid]) != want {
				t.Fatalf("round %d: %s told %d times, want %d", round, m.Username, len(got[m.oid]), want)
			}
		}
		if msgs := botMessagesTo(t, refused); len(msgs) != 1 || !strings.Contains(msgs[0], "not installed for you") {
			t.Fatalf("round %d: the bot said %q", round, msgs)
		}
	}
	r := pluginCall(t, "GET", "/api/v1/links/me", nil, http.Header{"Authorization": {"Bearer " + refused.Client.AuthToken}})
	view, _ := r.body["notifications_refused"].(map[string]any)
	if r.status != 200 || view["app_missing"] != true || view["told"] != true || !strings.EqualFold(fmt.Sprint(view["object_id"]), refused.oid) {
		t.Fatalf("the link does not say why: %d %s", r.status, r.raw)
	}
}

// botMessagesTo is what the plugin's bot said to p.
func botMessagesTo(t *testing.T, p *person) []string {
	t.Helper()
	ctx := testContext(t)
	bot, _, err := env.Admin.Client.GetUserByUsername(ctx, "microsoft365", "")
	if err != nil {
		t.Fatal(err)
	}
	dm, _, err := p.Client.CreateDirectChannel(ctx, p.Id, bot.Id)
	if err != nil {
		t.Fatal(err)
	}
	posts, _, err := p.Client.GetPostsForChannel(ctx, dm.Id, 0, 50, "", false, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range posts.Order {
		if posts.Posts[id].UserId == bot.Id {
			out = append(out, posts.Posts[id].Message)
		}
	}
	return out
}

// A choice is the person's Mattermost preference: changed while the
// plugin was off, or deleted through the API (no hook either way), it
// counts once the plugin reads the preferences again.
func TestAChoiceChangedWhileDisabledOrDeletedThroughTheAPICounts(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 0})
	f := newFixture(t)
	author := f.person("author", false)
	bob := f.person("bob", true)
	witness := f.person("witness", true)
	setStatus(t, bob, model.StatusOffline)
	dm, _, err := author.Client.CreateDirectChannel(testContext(t), author.Id, bob.Id)
	if err != nil {
		t.Fatal(err)
	}
	f.choose(bob, attention.Off)
	ctx := testContext(t)
	if err := harness.DisablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	pref := model.Preference{UserId: bob.Id, Category: attention.PreferenceCategory, Name: attention.PreferenceName, Value: string(attention.All)}
	if _, err := bob.Client.UpdatePreferences(ctx, bob.Id, model.Preferences{pref}); err != nil {
		t.Fatal(err)
	}
	if err := harness.EnablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	post := f.post(author, dm.Id, "", "changed while the plugin was off")
	waitTold(t, time.Minute, post)

	// Off again, then the preference deleted: the default (away) holds
	// within the reconcile bound, and bob, offline, is told.
	f.choose(bob, attention.Off)
	if _, err := bob.Client.DeletePreferences(ctx, bob.Id, model.Preferences{pref}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * linkindex.ConvergeWithin)
	for {
		post := f.post(author, dm.Id, "", "after the preference was deleted")
		if got := f.settle(author, witness)[post]; len(got[bob.oid]) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a deleted preference still counted after %s", 2*linkindex.ConvergeWithin)
		}
	}
}

// Behind a throttle, a thread's replies leave as one feed item, the
// latest, and whoever reads the channel while the request waits is not
// told.
func TestBehindAThrottleAThreadLeavesOnceAndAReaderIsSpared(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 0})
	f := newFixture(t)
	author := f.person("author", false)
	bob, carol, witness := f.person("bob", true), f.person("carol", true), f.person("witness", true)
	thread := f.channel("throttled", author, bob, carol, witness)
	other := f.channel("readhere", author, carol)
	root := f.post(author, thread.Id, "", "incident thread")

	const retryAfter = 15 * time.Second
	cloud.ThrottleNext(1, retryAfter)
	throttled := time.Now()
	forCarol := f.post(author, other.Id, "", "@"+carol.Username+" please check the runbook")
	var replies []string
	for i := range 10 {
		replies = append(replies, f.post(author, thread.Id, root, fmt.Sprintf("@%s step %d done", bob.Username, i)))
	}
	waitQueued(t, replies[len(replies)-1])
	if _, _, err := carol.Client.ViewChannel(testContext(t), carol.Id, &model.ChannelView{ChannelId: other.Id}); err != nil {
		t.Fatal(err)
	}
	early := told()
	sentEarly := len(early[forCarol])
	for _, id := range replies {
		sentEarly += len(early[id])
	}
	if time.Since(throttled) > retryAfter-2*time.Second || sentEarly > 0 {
		t.Fatal("the throttle ended before the posts were queued; the test cannot judge")
	}
	waitTold(t, 2*time.Minute, replies[len(replies)-1])
	got := f.settle(author, witness)
	if n := len(got[forCarol][carol.oid]); n != 0 {
		t.Errorf("carol read the channel while the request waited, and was told %d times", n)
	}
	toBob := 0
	for _, id := range replies {
		toBob += len(got[id][bob.oid])
	}
	if toBob != 1 || len(got[replies[len(replies)-1]][bob.oid]) != 1 {
		t.Fatalf("bob got %d requests for one thread, want one, of the latest reply", toBob)
	}
}
