package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
)

// setStatus sets a person's Mattermost status by hand, as the status
// menu does, so nothing automatic changes it during the test.
func setStatus(t *testing.T, p *person, status string) {
	t.Helper()
	if _, _, err := env.Admin.Client.UpdateUserStatus(testContext(t), p.Id,
		&model.Status{UserId: p.Id, Status: status, Manual: true}); err != nil {
		t.Fatal(err)
	}
}

// toldTo is every notification that reached oid about postID.
func toldTo(postID, oid string) int {
	return len(told()[postID][oid])
}

func TestTheHoldSparesWhoeverReadsTheChannelAndTellsWhoeverIsAway(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 3})
	f := newFixture(t)
	author := f.person("author", false)
	reader := f.person("reader", true)
	away := f.person("away", true)
	ch := f.channel("hold", author, reader, away)
	setStatus(t, reader, model.StatusAway)
	setStatus(t, away, model.StatusAway)
	f.choose(reader, attention.Away)
	f.choose(away, attention.Away)

	posted := time.Now()
	post := f.post(author, ch.Id, "", fmt.Sprintf("@%s @%s the bridge is up", reader.Username, away.Username))
	time.Sleep(time.Second)
	if _, _, err := reader.Client.ViewChannel(testContext(t), reader.Id, &model.ChannelView{ChannelId: ch.Id}); err != nil {
		t.Fatal(err)
	}
	if n := len(told()[post]); n != 0 {
		t.Fatalf("%d people were told during the hold", n)
	}
	waitTold(t, time.Minute, post)
	for _, n := range cloud.Notifications() {
		if subEntity(n) == post && n.At.Sub(posted) < 3*time.Second {
			t.Fatalf("sent %s after the post, within the hold", n.At.Sub(posted))
		}
	}
	f.settle(author, away)
	got := told()
	if len(got[post][away.oid]) != 1 || len(got[post][reader.oid]) != 0 {
		t.Fatalf("told %v; want only the person away, once", got[post])
	}
}

func TestEachPersonsChoiceDecides(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author := f.person("author", false)
	allOnline := f.person("all", true)
	awayOnline := f.person("busy", true)
	awayAway := f.person("gone", true)
	offline := f.person("off", true)
	dnd := f.person("dnd", true)
	ch := f.channel("choices", author, allOnline, awayOnline, awayAway, offline, dnd)
	setStatus(t, allOnline, model.StatusOnline)
	setStatus(t, awayOnline, model.StatusOnline)
	setStatus(t, awayAway, model.StatusAway)
	setStatus(t, offline, model.StatusOffline)
	setStatus(t, dnd, model.StatusDnd)
	ctx := testContext(t)
	// The Settings dialog's way for some, the slash command for others.
	f.choose(awayOnline, attention.Away)
	f.choose(awayAway, attention.Away)
	for p, line := range map[*person]string{offline: "/teams notifications off", allOnline: "/teams notifications all"} {
		resp, _, err := p.Client.ExecuteCommand(ctx, ch.Id, line)
		if err != nil || !strings.HasPrefix(resp.Text, "Saved.") || resp.ResponseType != model.CommandResponseTypeEphemeral {
			t.Fatalf("%s: %+v %v", line, resp, err)
		}
	}
	resp, _, err := offline.Client.ExecuteCommand(ctx, ch.Id, "/teams notifications")
	if err != nil || !strings.Contains(resp.Text, "never") || !strings.Contains(resp.Text, "is linked") {
		t.Fatalf("showing the choice: %+v %v", resp, err)
	}
	resp, _, err = author.Client.ExecuteCommand(ctx, ch.Id, "/teams notifications")
	if err != nil || !strings.Contains(resp.Text, "not linked") {
		t.Fatalf("someone not linked: %+v %v", resp, err)
	}
	resp, _, err = author.Client.ExecuteCommand(ctx, ch.Id, "/teams notifications loudly")
	if err != nil || !strings.Contains(resp.Text, "is not a choice") {
		t.Fatalf("a bad choice: %+v %v", resp, err)
	}
	var names []string
	for _, p := range []*person{allOnline, awayOnline, awayAway, offline, dnd} {
		names = append(names, "@"+p.Username)
	}
	post := f.post(author, ch.Id, "", strings.Join(names, " ")+" status?")
	f.settle(author, allOnline)
	got := told()[post]
	want := map[string]int{allOnline.oid: 1, awayAway.oid: 1}
	for _, p := range []*person{allOnline, awayOnline, awayAway, offline, dnd} {
		if len(got[p.oid]) != want[p.oid] {
			t.Errorf("%s: told %d times, want %d", p.Username, len(got[p.oid]), want[p.oid])
		}
	}
}

func TestABusyThreadIsOneFeedItem(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 2})
	f := newFixture(t)
	author := f.person("author", false)
	oncall := f.person("oncall", true)
	ch := f.channel("incident", author, oncall)
	setStatus(t, oncall, model.StatusAway)
	before := len(cloud.Notifications())
	root := f.post(author, ch.Id, "", "@"+oncall.Username+" incident open")
	posts := []string{root}
	for i := range 49 {
		posts = append(posts, f.post(author, ch.Id, root, fmt.Sprintf("@%s update %d", oncall.Username, i+1)))
	}
	other := f.post(author, ch.Id, "", "@"+oncall.Username+" a different matter")
	waitTold(t, time.Minute, posts[len(posts)-1], other)
	f.settle(author, oncall)
	requests, chains := 0, map[string]int64{}
	for _, n := range cloud.Notifications()[before:] {
		id := subEntity(n)
		if id == other || id == root || strings.Contains(strings.Join(posts, " "), id) {
			if id != other {
				requests++
			}
			chains[id] = n.ChainID
		}
	}
	var threadChain int64
	for id, c := range chains {
		if id == other {
			continue
		}
		if threadChain != 0 && c != threadChain {
			t.Fatalf("the thread's notifications carry chains %d and %d", threadChain, c)
		}
		threadChain = c
	}
	if threadChain == 0 || chains[other] == 0 || chains[other] == threadChain {
		t.Fatalf("chains: thread %d, other thread %d", threadChain, chains[other])
	}
	items := 0
	for _, n := range cloud.Feed(oncall.oid) {
		if n.ChainID == threadChain {
			items++
		}
	}
	t.Logf("50 posts in one thread mentioning one person: %d feed item(s), %d Graph request(s)", items, requests)
	if items != 1 || requests >= 50 {
		t.Fatalf("%d feed items and %d requests for one thread", items, requests)
	}
	if last := told()[posts[len(posts)-1]][oncall.oid]; len(last) != 1 {
		t.Fatalf("the latest post was told %d times", len(last))
	}
}

func TestAHoldSurvivesARestartOfThePlugin(t *testing.T) {
	useNotifySettings(t, map[string]any{"notificationholdseconds": 4})
	f := newFixture(t)
	author := f.person("author", false)
	away := f.person("away", true)
	ch := f.channel("restart", author, away)
	setStatus(t, away, model.StatusOffline)
	post := f.post(author, ch.Id, "", "@"+away.Username+" are you there")
	// The hold is what must survive, so the restart comes once the job is
	// queued: a restart that cuts the post hook itself short loses the
	// post, as Mattermost calls no hook again.
	waitQueued(t, post)
	ctx := testContext(t)
	if err := harness.DisablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	if err := harness.EnablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	waitTold(t, time.Minute, post)
	f.settle(author, away)
	if n := toldTo(post, away.oid); n != 1 {
		t.Fatalf("told %d times across a restart", n)
	}
}

func TestThePreviewReadsLikeTheMessage(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author := f.person("author", false)
	reader := f.person("reader", true)
	ch := f.channel("preview", author, reader)
	flags := strings.Repeat("🇺🇦", 200)
	cases := map[string]func(string) bool{
		"@" + reader.Username + " ~~old~~ **new** plan | see `runbook`": func(p string) bool {
			return p == "@"+reader.Username+" old new plan | see runbook"
		},
		"@" + reader.Username + " " + flags: func(p string) bool {
			body := strings.TrimSuffix(strings.TrimPrefix(p, "@"+reader.Username+" "), "…")
			return utf8.RuneCountInString(p) <= 150 && body != "" && strings.ReplaceAll(body, "🇺🇦", "") == ""
		},
	}
	ids := map[string]string{}
	for msg := range cases {
		ids[f.post(author, ch.Id, "", msg)] = msg
	}
	f.settle(author, reader)
	for _, n := range cloud.Notifications() {
		if msg, ok := ids[subEntity(n)]; ok {
			if !cases[msg](n.Preview) {
				t.Errorf("preview %q", n.Preview)
			}
			delete(ids, subEntity(n))
		}
	}
	if len(ids) != 0 {
		t.Fatalf("%d posts were not told", len(ids))
	}
}
