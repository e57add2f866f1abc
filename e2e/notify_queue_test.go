package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
)

// withoutTeamsApp takes the Teams app out of the tenant's catalog, as an
// admin who has not uploaded it yet has, and puts it back after the test.
func withoutTeamsApp(t *testing.T) (publish func()) {
	t.Helper()
	appID := validSettings()["appid"].(string)
	cloud.RemoveTeamsApp(appID)
	publish = func() { cloud.PublishTeamsApp(testTenant, appID, "Mattermost") }
	t.Cleanup(publish)
	return publish
}

func queueCheck(t *testing.T) healthCheck {
	t.Helper()
	status, checks := runHealth(t, &person{User: env.Admin})
	if status != 200 {
		t.Fatalf("connection check: %d", status)
	}
	return checks["notification_queue"]
}

func TestQueuePausesWithoutTheTeamsAppAndResumesWithoutLoss(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author := f.person("author", true)
	people := []*person{f.person("p1", true), f.person("p2", true)}
	ch := f.channel("paused", append(people, author)...)
	if c := queueCheck(t); c.Status != "pass" {
		t.Fatalf("before: %+v", c)
	}
	publish := withoutTeamsApp(t)
	logged := pluginLog()
	paused, retries, gaveUp := strings.Count(logged, "are paused"), strings.Count(logged, "retrying"), strings.Count(logged, "Gave up")

	ids := f.burst(author, ch.Id, 5, people...)
	waitFor(t, "the queue to pause", func() bool { return strings.Count(pluginLog(), "are paused") > paused })
	c := queueCheck(t)
	if c.Status != "warn" || !strings.Contains(c.Detail, "paused") || !strings.Contains(c.Detail, "not in the tenant's app catalog") ||
		!strings.Contains(c.Detail, "posts wait") || !strings.Contains(c.Fix, "Teams admin center") {
		t.Fatalf("while paused: %+v", c)
	}
	if n := countTold(ids); n != 0 {
		t.Fatalf("%d posts delivered without the app", n)
	}
	logged = pluginLog()
	if strings.Count(logged, "retrying") != retries || strings.Count(logged, "Gave up") != gaveUp {
		t.Fatalf("a missing app was retried or given up, not paused:\n%s", logged)
	}

	publish()
	// The admin checks the connection after uploading the app; the queue
	// tries again at once.
	queueCheck(t)
	waitTold(t, 2*time.Minute, ids...)
	assertEachToldOnce(t, f.settle(author, people[0]), ids, people...)
	if !strings.Contains(env.Server.Logs(), "Teams notifications resumed") {
		t.Error("the plugin did not log that it resumed")
	}
	if c := queueCheck(t); c.Status != "pass" {
		t.Errorf("after resuming: %+v", c)
	}
}

// clearQueue empties the notification queue, with the plugin stopped.
func clearQueue(t *testing.T) {
	t.Helper()
	ctx := testContext(t)
	if err := harness.DisablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	kv := env.Server.PluginKV(env.PluginID)
	keys, err := kv.KVList()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		if strings.HasPrefix(key, "nq_") && key != "nq_stats" {
			kv.KVDelete(key)
		}
	}
	if err := harness.EnablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
}

// filler is a job of at least size bytes, as a post to tens of thousands
// of people makes.
func filler(postID string, size int) *notify.Job {
	job := &notify.Job{PostID: postID, Topic: "All hands", WebURL: "https://teams.example/l/entity/x/" + postID,
		Preview: "@all", Actor: "Alice", Channel: "All hands", Enqueued: time.Now()}
	for n := 0; n < size; {
		b := notify.Batch{Type: "channelMention"}
		for range 100 {
			b.Recipients = append(b.Recipients, newOID())
			n += 39
		}
		job.Batches = append(job.Batches, b)
	}
	return job
}

func TestAFullQueueDropsItsOldestPosts(t *testing.T) {
	useNotifySettings(t, nil)
	withoutTeamsApp(t)
	t.Cleanup(func() { clearQueue(t) })
	ctx := testContext(t)
	kv := env.Server.PluginKV(env.PluginID)
	queue := notify.Queue{KV: kv}
	stats := notify.Stats{KV: kv}
	before, err := stats.Read()
	if err != nil {
		t.Fatal(err)
	}
	// Fillers stand for the big posts of a day without the app: 15 of
	// 4 MiB, under the limit of 64 MiB, stored as another server would.
	const fillerSize = 4 << 20
	if err := harness.DisablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	suffix := newOID()[:8]
	firstSlot, _, err := queue.Bounds()
	if err != nil {
		t.Fatal(err)
	}
	fillerPeople := 0
	for _, b := range filler("size", fillerSize).Batches {
		fillerPeople += len(b.Recipients)
	}
	for i := range 15 {
		if ok, err := queue.Add(filler(fmt.Sprintf("filler-%s-%02d", suffix, i), fillerSize)); err != nil || !ok {
			t.Fatalf("filler %d: %v %v", i, ok, err)
		}
	}
	if err := harness.EnablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the queue to pause", func() bool {
		st, err := queue.Status()
		return err == nil && st.Pause != nil
	})
	if st, _ := queue.Status(); st.Jobs != 15 {
		t.Fatalf("under the limit, %d of 15 posts wait", st.Jobs)
	}

	// Two more go over it, and a person's post comes after them.
	for i := 15; i < 17; i++ {
		if ok, err := queue.Add(filler(fmt.Sprintf("filler-%s-%02d", suffix, i), fillerSize)); err != nil || !ok {
			t.Fatalf("filler %d: %v %v", i, ok, err)
		}
	}
	f := newFixture(t)
	author, bob := f.person("author", true), f.person("bob", true)
	ch := f.channel("full", author, bob)
	f.post(author, ch.Id, "", "@"+bob.Username+" after the big ones")
	waitFor(t, "the oldest to be dropped", func() bool {
		c, err := stats.Read()
		return err == nil && c.Dropped > before.Dropped
	})
	// 17 fillers of just over 4 MiB are over 64 MiB until the two oldest,
	// and only they, are dropped.
	st, err := queue.Status()
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := queue.Bounds()
	after, _ := stats.Read()
	if st.Bytes > notify.MaxBytes || head != firstSlot+2 || after.Dropped-before.Dropped != 2*fillerPeople {
		t.Fatalf("after the limit: %d bytes, head %d (from %d), %d people dropped", st.Bytes, head, firstSlot, after.Dropped-before.Dropped)
	}
	if !strings.Contains(pluginLog(), "the queue is full") {
		t.Error("the drop was not logged")
	}
	if c := queueCheck(t); c.Status != "warn" || !strings.Contains(c.Detail, "64 MiB") {
		t.Errorf("connection check: %+v", c)
	}
}
