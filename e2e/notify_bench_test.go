package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// scaleChannel is a channel of members people made in bulk, every
// linkEvery-th of them linked to Teams, and an author who posts in it.
type scaleChannel struct {
	author  *person
	channel *model.Channel
	linked  int
}

func newScaleChannel(b *testing.B, members, linkEvery int) *scaleChannel {
	b.Helper()
	sc := &scaleChannel{}
	ctx := testContext(b)
	suffix := model.NewId()[:6]
	team, _, err := env.Admin.Client.CreateTeam(ctx, &model.Team{Name: "scale-" + suffix, DisplayName: "Scale", Type: model.TeamOpen})
	if err != nil {
		b.Fatal(err)
	}
	ch, _, err := env.Admin.Client.CreateChannel(ctx, &model.Channel{TeamId: team.Id, Name: "all-" + suffix, DisplayName: "All hands", Type: model.ChannelTypeOpen})
	if err != nil {
		b.Fatal(err)
	}
	// The suite's user writes: after 10,000 bulk accounts, an unlicensed
	// server refuses to sign up more through the API.
	author := env.User
	if _, _, err := env.Admin.Client.AddTeamMember(ctx, team.Id, author.Id); err != nil {
		b.Fatal(err)
	}
	if _, _, err := env.Admin.Client.AddChannelMember(ctx, ch.Id, author.Id); err != nil {
		b.Fatal(err)
	}
	users, err := env.Server.BulkMembers(team.Id, ch.Id, "m"+suffix+"-", members-1)
	if err != nil {
		b.Fatal(err)
	}
	links := kvstore.Links{KV: env.Server.PluginKV(env.PluginID)}
	for i, u := range users {
		if i%linkEvery == 0 {
			if _, err := links.Link(kvstore.Identity{TenantID: testTenant, ObjectID: newOID()}, u.Id, kvstore.RuleConfirmed); err != nil {
				b.Fatal(err)
			}
			sc.linked++
		}
	}
	// The plugin reads the links when it starts.
	if err := harness.DisablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		b.Fatal(err)
	}
	if err := harness.EnablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		b.Fatal(err)
	}
	sc.author, sc.channel = &person{User: author}, ch
	return sc
}

// benchSettings sets up notifications, held for hold seconds.
func benchSettings(b *testing.B, hold int) {
	b.Helper()
	s := validSettings()
	cloud.RegisterApp(testTenant, testClientID, s["clientsecret"].(string))
	cloud.PublishTeamsApp(testTenant, s["appid"].(string), "Mattermost")
	settings := signInSettings()
	settings["notificationholdseconds"] = hold
	if err := harness.SetPluginSettings(testContext(b), env.Admin.Client, env.PluginID, settings); err != nil {
		b.Fatal(err)
	}
	defaults := model.Config{}
	defaults.SetDefaults()
	if _, _, err := env.Admin.Client.PatchConfig(testContext(b), &model.Config{TeamSettings: model.TeamSettings{
		MaxNotificationsPerChannel: model.NewPointer(int64(100000))}}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_, _, _ = env.Admin.Client.PatchConfig(testContext(b), &model.Config{TeamSettings: model.TeamSettings{
			MaxNotificationsPerChannel: defaults.TeamSettings.MaxNotificationsPerChannel}})
	})
}

// postFor waits until a post has reached want people and returns the
// Graph requests that carried it.
func requestsFor(b *testing.B, postID string, want int, timeout time.Duration) int {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for {
		requests, reached := 0, 0
		for _, n := range cloud.Notifications() {
			if subEntity(n) == postID {
				requests++
				reached += len(n.Recipients)
			}
		}
		if reached >= want {
			return requests
		}
		if time.Now().After(deadline) {
			b.Fatalf("post reached %d of %d people in %s", reached, want, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// decidedIn is how long the post hook took to decide and queue, from
// the plugin's debug log.
func decidedIn(postID string) float64 {
	for _, line := range strings.Split(env.Server.Logs(), "\n") {
		if !strings.Contains(line, "Queued a Teams notification") || !strings.Contains(line, postID) {
			continue
		}
		var entry struct {
			Ms string `json:"decided_in_ms"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil {
			if ms, err := strconv.ParseFloat(entry.Ms, 64); err == nil {
				return ms
			}
		}
	}
	return -1
}

// BenchmarkChannelMention10k is @channel in a channel of 10,000 people,
// 2,000 of them linked: each is told, in 20 Graph requests. It is sent at
// once (no hold), so the time includes checking who has read it.
func BenchmarkChannelMention10k(b *testing.B) {
	benchSettings(b, 0)
	sc := newScaleChannel(b, 10000, 5)
	var hookMs, requests, seconds float64
	n := 0
	for b.Loop() {
		post, _, err := sc.author.Client.CreatePost(testContext(b), &model.Post{ChannelId: sc.channel.Id, Message: fmt.Sprintf("@channel drill %d", n)})
		if err != nil {
			b.Fatal(err)
		}
		requests += float64(requestsFor(b, post.Id, sc.linked, 2*time.Minute))
		// From the post being saved to Graph accepting its last request.
		seconds += lastAt(post.Id).Sub(time.UnixMilli(post.CreateAt)).Seconds()
		hookMs += decidedIn(post.Id)
		n++
	}
	b.ReportMetric(hookMs/float64(n), "hook-ms/op")
	b.ReportMetric(requests/float64(n), "graph-requests/op")
	b.ReportMetric(seconds/float64(n), "delivered-s/op")
	b.ReportMetric(float64(sc.linked), "linked")
}

// BenchmarkDeliveryThroughput posts @channel to 200 linked people over
// and over and measures how many people a second Graph is asked to tell,
// against the fake's limit of 2 requests a second, once the hold is over.
func BenchmarkDeliveryThroughput(b *testing.B) {
	benchSettings(b, 2)
	sc := newScaleChannel(b, 201, 1)
	const posts = 20
	for b.Loop() {
		ids := make([]string, posts)
		for i := range ids {
			p, _, err := sc.author.Client.CreatePost(testContext(b), &model.Post{ChannelId: sc.channel.Id, Message: fmt.Sprintf("@channel wave %d", i)})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = p.Id
		}
		for _, id := range ids {
			requestsFor(b, id, sc.linked, 2*time.Minute)
		}
		var first, last time.Time
		recipients := 0
		for _, n := range cloud.Notifications() {
			for _, id := range ids {
				if subEntity(n) == id {
					if first.IsZero() || n.At.Before(first) {
						first = n.At
					}
					if n.At.After(last) {
						last = n.At
					}
					recipients += len(n.Recipients)
				}
			}
		}
		// The first request's people were told at first; the rest in the
		// time after it.
		perSecond := float64(recipients-graphBatch) / last.Sub(first).Seconds()
		b.ReportMetric(perSecond, "recipients/s")
	}
}

const graphBatch = 100

// lastAt is when Graph accepted the last request about a post.
func lastAt(postID string) time.Time {
	var last time.Time
	for _, n := range cloud.Notifications() {
		if subEntity(n) == postID && n.At.After(last) {
			last = n.At
		}
	}
	return last
}
