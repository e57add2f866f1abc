package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
)

// useNotifySettings points the plugin at the fake cloud with an app
// registration that may send notifications and a Teams app in the
// tenant's catalog.
func useNotifySettings(t *testing.T, changes map[string]any) {
	t.Helper()
	s := validSettings()
	cloud.RegisterApp(testTenant, testClientID, s["clientsecret"].(string))
	cloud.PublishTeamsApp(testTenant, s["appid"].(string), "Mattermost")
	useSignInSettings(t, changes)
}

// person is a test account, linked to Teams unless made otherwise.
type person struct {
	*harness.User
	oid string
}

// fixture is a team and the people in it, named with a fresh suffix so
// tests do not see each other's accounts.
type fixture struct {
	t      *testing.T
	suffix string
	team   *model.Team
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, suffix: model.NewId()[:6]}
	team, _, err := env.Admin.Client.CreateTeam(testContext(t), &model.Team{
		Name: "nt-" + f.suffix, DisplayName: "Notify " + f.suffix, Type: model.TeamOpen})
	if err != nil {
		t.Fatal(err)
	}
	f.team = team
	return f
}

// person creates an account in the team; linked ones sign in from the
// tab once, which links them.
func (f *fixture) person(name string, linked bool) *person {
	f.t.Helper()
	ctx := testContext(f.t)
	username := name + "-" + f.suffix
	u, err := env.Server.CreateUser(ctx, username, username+"@example.com", "Passw0rd-"+f.suffix+"!")
	if err != nil {
		f.t.Fatal(err)
	}
	if _, _, err := env.Admin.Client.AddTeamMember(ctx, f.team.Id, u.Id); err != nil {
		f.t.Fatal(err)
	}
	p := &person{User: u}
	if linked {
		p.oid = newOID()
		if r := exchange(f.t, cloud.Sign(tabToken(p.oid, u.Email)), "", nil); r.status != 200 {
			f.t.Fatalf("link %s: %d %s", username, r.status, r.body)
		}
		// Tests of whom Mattermost would notify want everyone told, not
		// only those away; the tests of the choice set their own.
		f.choose(p, attention.All)
	}
	return p
}

// choose sets a person's Teams notification choice as the Settings
// dialog does, through their preferences, and waits for the plugin to
// take it in.
func (f *fixture) choose(p *person, c attention.Choice) {
	f.t.Helper()
	pref := model.Preference{UserId: p.Id, Category: attention.PreferenceCategory, Name: attention.PreferenceName, Value: string(c)}
	if _, err := p.Client.UpdatePreferences(testContext(f.t), p.Id, model.Preferences{pref}); err != nil {
		f.t.Fatal(err)
	}
	want := string(c)
	if c == attention.Default {
		want = ""
	}
	waitFor(f.t, "the choice "+want, func() bool {
		v, _ := env.Server.PluginKV(env.PluginID).KVGet("choice_" + p.Id)
		return string(v) == want
	})
}

func (f *fixture) channel(name string, members ...*person) *model.Channel {
	f.t.Helper()
	ctx := testContext(f.t)
	ch, _, err := env.Admin.Client.CreateChannel(ctx, &model.Channel{
		TeamId: f.team.Id, Name: name + "-" + f.suffix, DisplayName: "Channel " + name, Type: model.ChannelTypeOpen})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range members {
		if _, _, err := env.Admin.Client.AddChannelMember(ctx, ch.Id, m.Id); err != nil {
			f.t.Fatal(err)
		}
	}
	return ch
}

func (f *fixture) post(author *person, channelID, rootID, msg string) string {
	f.t.Helper()
	p, _, err := author.Client.CreatePost(testContext(f.t), &model.Post{ChannelId: channelID, RootId: rootID, Message: msg})
	if err != nil {
		f.t.Fatalf("post %q: %v", msg, err)
	}
	return p.Id
}

// subEntity is the post a notification's deep link opens.
func subEntity(n msfake.Notification) string {
	u, err := url.Parse(n.TopicWebURL)
	if err != nil {
		return ""
	}
	var ctx struct {
		SubEntityID string `json:"subEntityId"`
	}
	_ = json.Unmarshal([]byte(u.Query().Get("context")), &ctx)
	return strings.TrimPrefix(ctx.SubEntityID, "preview:")
}

// told maps each post to each object ID told about it, with the activity
// types, in order, so a person told twice shows two entries.
func told() map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, n := range cloud.Notifications() {
		post := subEntity(n)
		if out[post] == nil {
			out[post] = map[string][]string{}
		}
		for _, oid := range n.Recipients {
			out[post][oid] = append(out[post][oid], n.ActivityType)
		}
	}
	return out
}

// waitTold waits until someone was told about every post.
func waitTold(t *testing.T, timeout time.Duration, postIDs ...string) map[string]map[string][]string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := told()
		missing := 0
		for _, id := range postIDs {
			if len(got[id]) == 0 {
				missing++
			}
		}
		if missing == 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, %d of %d posts were told to nobody; the plugin logged:\n%s",
				timeout, missing, len(postIDs), pluginLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settle waits until everything queued before now has been delivered:
// the queue is first in, first out, so once two marker messages posted
// one after the other have arrived, every earlier post's turn has come.
func (f *fixture) settle(author, to *person) map[string]map[string][]string {
	f.t.Helper()
	dm, _, err := author.Client.CreateDirectChannel(testContext(f.t), author.Id, to.Id)
	if err != nil {
		f.t.Fatal(err)
	}
	var got map[string]map[string][]string
	for i := range 2 {
		id := f.post(author, dm.Id, "", fmt.Sprintf("marker %d", i))
		got = waitTold(f.t, time.Minute, id)
	}
	return got
}

// pluginLog is what the plugin logged at warning level or above.
func pluginLog() string {
	var b strings.Builder
	for _, line := range strings.Split(env.Server.Logs(), "\n") {
		if strings.Contains(line, env.PluginID) && (strings.Contains(line, `"level":"warn"`) || strings.Contains(line, `"level":"error"`)) {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
