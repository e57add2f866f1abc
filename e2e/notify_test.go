package e2e

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// TestNotifiedAsMattermostWould posts every kind of message once and then
// checks, per post, exactly who was told in Teams and why. Each post's
// people are set up so that one rule decides each of them.
func TestNotifiedAsMattermostWould(t *testing.T) {
	useNotifySettings(t, nil)
	ctx := testContext(t)
	f := newFixture(t)
	author := f.person("author", true)
	bob := f.person("bob", true)      // plain member
	carol := f.person("carol", true)  // muted the channel
	dave := f.person("dave", true)    // turned channel-wide mentions off
	erin := f.person("erin", true)    // ignores channel-wide mentions in the channel
	frank := f.person("frank", false) // never signed in from Teams
	gina := f.person("gina", true)    // not in the channel
	hank := f.person("hank", true)    // deactivated
	ivy := f.person("ivy", true)      // online, for @here
	robot := f.person("robot", true)  // a bot now
	replier := f.person("jude", true) // replied in the thread
	quiet := f.person("kim", true)    // replied, wants mentions only in threads
	added := f.person("lee", true)    // added to a channel
	ops := f.channel("ops", author, bob, carol, dave, erin, frank, hank, ivy, robot, replier, quiet)
	side := f.channel("side", author)

	admin := env.Admin.Client
	// must fails the test when the last of a client call's results is an
	// error.
	must := func(results ...any) {
		t.Helper()
		if err, _ := results[len(results)-1].(error); err != nil {
			t.Fatal(err)
		}
	}
	must(carol.Client.UpdateChannelNotifyProps(ctx, ops.Id, carol.Id, map[string]string{model.MarkUnreadNotifyProp: model.ChannelMarkUnreadMention}))
	must(erin.Client.UpdateChannelNotifyProps(ctx, ops.Id, erin.Id, map[string]string{model.IgnoreChannelMentionsNotifyProp: model.IgnoreChannelMentionsOn}))
	daveProps := dave.NotifyProps
	daveProps[model.ChannelMentionsNotifyProp] = "false"
	must(dave.Client.PatchUser(ctx, dave.Id, &model.UserPatch{NotifyProps: daveProps}))
	quietProps := quiet.NotifyProps
	quietProps[model.PushThreadsNotifyProp] = model.UserNotifyMention
	must(quiet.Client.PatchUser(ctx, quiet.Id, &model.UserPatch{NotifyProps: quietProps}))
	for _, p := range []*person{author, bob, carol, dave, erin, frank, gina, hank, robot, replier, quiet} {
		must(admin.UpdateUserStatus(ctx, p.Id, &model.Status{UserId: p.Id, Status: model.StatusOffline, Manual: true}))
	}
	must(admin.UpdateUserStatus(ctx, ivy.Id, &model.Status{UserId: ivy.Id, Status: model.StatusOnline, Manual: true}))
	must(admin.DeleteUser(ctx, hank.Id))
	must(admin.ConvertUserToBot(ctx, robot.Id))
	dm, _, err := author.Client.CreateDirectChannel(ctx, author.Id, bob.Id)
	must(nil, err)
	dmFrank, _, err := author.Client.CreateDirectChannel(ctx, author.Id, frank.Id)
	must(nil, err)
	gm, _, err := author.Client.CreateGroupChannel(ctx, []string{author.Id, bob.Id, gina.Id})
	must(nil, err)
	// Each case has a conversation of its own: a later post of the same
	// conversation replaces an earlier one that is still queued.
	gm2, _, err := author.Client.CreateGroupChannel(ctx, []string{author.Id, bob.Id, gina.Id, carol.Id})
	must(nil, err)

	type want map[*person]string
	type tc struct {
		name string
		post func() string
		want want
	}
	post := func(ch *model.Channel, msg string) func() string {
		return func() string { return f.post(author, ch.Id, "", msg) }
	}
	root := f.post(bob, ops.Id, "", "incident bridge is up, "+"@"+ivy.Username+" has the details")
	f.post(replier, ops.Id, root, "on it")
	f.post(quiet, ops.Id, root, "me too")
	root2 := f.post(bob, ops.Id, "", "second bridge, "+"@"+ivy.Username+" again")
	f.post(replier, ops.Id, root2, "on it")
	f.post(quiet, ops.Id, root2, "me too")
	cases := []tc{
		{"no mention", post(ops, "routine update"), want{}},
		{"a mention", post(ops, "hi @"+bob.Username), want{bob: "mention"}},
		{"mentions in any case and markdown", post(ops, "**@"+strings.ToUpper(bob.Username)+"**"), want{bob: "mention"}},
		{"trailing punctuation", post(ops, "thanks @"+bob.Username+"."), want{bob: "mention"}},
		{"inside a code span", post(ops, "run `@"+bob.Username+"` now"), want{}},
		{"inside a code block", post(ops, "```\n@"+bob.Username+"\n```"), want{}},
		{"not in the channel", post(ops, "@"+gina.Username+" see this"), want{}},
		{"muted the channel", post(ops, "@"+carol.Username+" see this"), want{}},
		{"not linked", post(ops, "@"+frank.Username+" see this"), want{}},
		{"deactivated", post(ops, "@"+hank.Username+" see this"), want{}},
		{"a bot", post(ops, "@"+robot.Username+" see this"), want{}},
		{"the author", post(ops, "note to self @"+author.Username), want{}},
		{"@channel", post(ops, "@channel status"), want{bob: "channelMention", ivy: "channelMention", replier: "channelMention", quiet: "channelMention"}},
		{"@all", post(ops, "@all status"), want{bob: "channelMention", ivy: "channelMention", replier: "channelMention", quiet: "channelMention"}},
		{"@here", post(ops, "@here status"), want{ivy: "channelMention"}},
		{"a mention beats @channel", post(ops, "@channel and @"+dave.Username), want{
			bob: "channelMention", ivy: "channelMention", replier: "channelMention", quiet: "channelMention", dave: "mention"}},
		{"a direct message", post(dm, "psst"), want{bob: "directMessage"}},
		{"a direct message to someone not linked", post(dmFrank, "psst"), want{}},
		{"a group message", post(gm, "all of us"), want{bob: "groupMessage", gina: "groupMessage"}},
		{"a mention beats a group message", post(gm2, "@"+bob.Username+" you"), want{bob: "mention", gina: "groupMessage", carol: "groupMessage"}},
		{"a reply tells the thread's followers", func() string { return f.post(author, ops.Id, root, "update") },
			want{bob: "threadReply", ivy: "threadReply", replier: "threadReply"}},
		{"a mention beats a reply", func() string { return f.post(author, ops.Id, root2, "@"+bob.Username+" look") },
			want{bob: "mention", ivy: "threadReply", replier: "threadReply"}},
		{"a bot's post", func() string {
			token, _, err := admin.CreateUserAccessToken(ctx, robot.Id, "integration")
			must(nil, err)
			bot := env.Server.Client()
			bot.SetToken(token.Token)
			p, _, err := bot.CreatePost(ctx, &model.Post{ChannelId: ops.Id, Message: "@" + bob.Username + " alert"})
			must(nil, err)
			return p.Id
		}, want{bob: "mention"}},
		{"an edit", func() string {
			id := f.post(author, ops.Id, "", "draft")
			msg := "@" + bob.Username + " edited in"
			must(author.Client.PatchPost(ctx, id, &model.PostPatch{Message: &msg}))
			return id
		}, want{}},
		{"added to a channel", func() string {
			since := model.GetMillis()
			must(admin.AddChannelMember(ctx, side.Id, added.Id))
			return systemPost(t, side.Id, model.PostTypeAddToChannel, since)
		}, want{added: "mention"}},
		{"a header change with @channel", func() string {
			h := "@channel read the runbook"
			since := model.GetMillis()
			must(author.Client.PatchChannel(ctx, ops.Id, &model.ChannelPatch{Header: &h}))
			return systemPost(t, ops.Id, model.PostTypeHeaderChange, since)
		}, want{}},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = c.post()
	}
	got := f.settle(author, ivy)
	byOID := map[string]*person{}
	for _, p := range []*person{author, bob, carol, dave, erin, frank, gina, hank, ivy, robot, replier, quiet, added} {
		if p.oid != "" {
			byOID[p.oid] = p
		}
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			told := map[string]string{}
			for oid, types := range got[ids[i]] {
				name := oid
				if p := byOID[oid]; p != nil {
					name = strings.TrimSuffix(p.Username, "-"+f.suffix)
				}
				if len(types) != 1 {
					t.Errorf("%s told %d times: %v", name, len(types), types)
				}
				told[name] = types[0]
			}
			expected := map[string]string{}
			for p, typ := range c.want {
				expected[strings.TrimSuffix(p.Username, "-"+f.suffix)] = typ
			}
			if !maps.Equal(told, expected) {
				t.Errorf("told %v, want %v", sorted(told), sorted(expected))
			}
		})
	}
}

func sorted(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+":"+v)
	}
	slices.Sort(out)
	return out
}

// systemPost returns the newest post of a type in a channel.
// systemPost is the system post of a type the server made in a channel
// at or after since; the server may write it just after the call that
// causes it returns, so it is waited for.
func systemPost(t *testing.T, channelID, postType string, since int64) string {
	t.Helper()
	var found string
	waitFor(t, "a "+postType+" post", func() bool {
		list, _, err := env.Admin.Client.GetPostsForChannel(testContext(t), channelID, 0, 20, "", false, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range list.Order {
			if p := list.Posts[id]; p.Type == postType && p.CreateAt >= since {
				found = id
				return true
			}
		}
		return false
	})
	return found
}

func TestNotificationContent(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author, bob := f.person("author", true), f.person("bob", true)
	ch := f.channel("content", author, bob)
	short := f.post(author, ch.Id, "", "**Deploy** done, see `logs` @"+bob.Username)
	long := f.post(author, ch.Id, "", "@"+bob.Username+" "+strings.Repeat("é", 300))
	f.settle(author, bob)
	byPost := map[string]msfake.Notification{}
	for _, n := range cloud.Notifications() {
		byPost[subEntity(n)] = n
	}
	n := byPost[short]
	if want := "Deploy done, see logs @" + bob.Username; n.Preview != want {
		t.Errorf("preview %q, want %q", n.Preview, want)
	}
	if n.TemplateParameters["author"] != author.Username || n.TemplateParameters["channel"] != "Channel content" {
		t.Errorf("template parameters %v", n.TemplateParameters)
	}
	appID := validSettings()["appid"].(string)
	if prefix := cloud.URL() + "/l/entity/" + appID + "/notification-preview?"; !strings.HasPrefix(n.TopicWebURL, prefix) {
		t.Errorf("deep link %s, want it to start %s", n.TopicWebURL, prefix)
	}
	if got := []rune(byPost[long].Preview); len(got) != 150 || got[149] != '…' {
		t.Errorf("long preview has %d characters: %q", len(got), string(got))
	}
}
