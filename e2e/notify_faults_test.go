package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

// burst posts n messages that each mention everyone in people.
func (f *fixture) burst(author *person, channelID string, n int, people ...*person) []string {
	mentions := ""
	for _, p := range people {
		mentions += "@" + p.Username + " "
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.post(author, channelID, "", fmt.Sprintf("%sburst %d", mentions, i))
	}
	return ids
}

// assertEachToldOnce checks that each post reached each person exactly once.
func assertEachToldOnce(t *testing.T, got map[string]map[string][]string, ids []string, people ...*person) {
	t.Helper()
	for i, id := range ids {
		if len(got[id]) != len(people) {
			t.Errorf("post %d reached %d people, want %d", i, len(got[id]), len(people))
		}
		for _, p := range people {
			if n := len(got[id][p.oid]); n != 1 {
				t.Errorf("post %d reached %s %d times", i, p.Username, n)
			}
		}
	}
}

// countTold is how many of ids reached someone.
func countTold(ids []string) int {
	got, n := told(), 0
	for _, id := range ids {
		if len(got[id]) > 0 {
			n++
		}
	}
	return n
}

func waitCount(t *testing.T, ids []string, atLeast int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d posts delivered", atLeast), func() bool { return countTold(ids) >= atLeast })
}

func TestBurstWithThrottlingAndServerErrorsDeliversEachOnce(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author := f.person("author", true)
	people := []*person{f.person("p1", true), f.person("p2", true), f.person("p3", true)}
	ch := f.channel("burst", append(people, author)...)
	cloud.FailNext(2, http.StatusServiceUnavailable)
	ids := f.burst(author, ch.Id, 12, people...)
	waitCount(t, ids, 3)
	cloud.FailNext(3, http.StatusTooManyRequests)
	waitCount(t, ids, 7)
	cloud.FailNext(2, http.StatusBadGateway)
	waitTold(t, 2*time.Minute, ids...)
	assertEachToldOnce(t, f.settle(author, people[0]), ids, people...)
}

func TestDisablingMidQueueLosesAndRepeatsNothing(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author := f.person("author", true)
	people := []*person{f.person("p1", true), f.person("p2", true)}
	ch := f.channel("restart", append(people, author)...)
	ids := f.burst(author, ch.Id, 14, people...)
	waitCount(t, ids, 3)
	ctx := testContext(t)
	if err := harness.DisablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	stopped := countTold(ids)
	if stopped == len(ids) {
		t.Fatal("the queue drained before the plugin stopped; the test proves nothing")
	}
	// A stopped plugin sends nothing; two request intervals would show it.
	time.Sleep(time.Second)
	if n := countTold(ids); n != stopped {
		t.Fatalf("%d posts delivered after the plugin stopped", n-stopped)
	}
	if err := harness.EnablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	waitTold(t, 2*time.Minute, ids...)
	assertEachToldOnce(t, f.settle(author, people[0]), ids, people...)
}

func TestKilledMidQueueLosesAndRepeatsNothing(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author := f.person("author", true)
	people := []*person{f.person("p1", true), f.person("p2", true)}
	ch := f.channel("killed", append(people, author)...)
	// Graph fails, so the worker is waiting to retry, not sending, when
	// the plugin process dies.
	retries := strings.Count(pluginLog(), "retrying")
	cloud.FailNext(1000, http.StatusServiceUnavailable)
	ids := f.burst(author, ch.Id, 6, people...)
	waitFor(t, "a retry", func() bool { return strings.Count(pluginLog(), "retrying") > retries })
	// Every post's hook has queued it, in a slot of the queue: a post
	// whose hook dies with the process was never the queue's to keep.
	waitFor(t, "every post queued", func() bool {
		queued := queuedPosts()
		for _, id := range ids {
			if !queued[id] {
				return false
			}
		}
		return true
	})
	killPlugin(t)
	cloud.FailNext(0, 0)
	ctx := testContext(t)
	_ = harness.DisablePlugin(ctx, env.Admin.Client, env.PluginID)
	if err := harness.EnablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	waitTold(t, 2*time.Minute, ids...)
	assertEachToldOnce(t, f.settle(author, people[0]), ids, people...)
}

// queuedPosts are the posts in the queue's slots, read straight from the
// plugin's KV store.
func queuedPosts() map[string]bool {
	kv := env.Server.PluginKV(env.PluginID)
	mark := func(key string) int64 {
		v, _ := kv.KVGet(key)
		n, _, _ := strings.Cut(string(v), " ")
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	out := map[string]bool{}
	for n := mark("nq_head"); n < mark("nq_tail"); n++ {
		v, _ := kv.KVGet("nq_slot_" + strconv.FormatInt(n, 10))
		var e struct {
			Post string `json:"post"`
		}
		if json.Unmarshal(v, &e) == nil && e.Post != "" {
			out[e.Post] = true
		}
	}
	return out
}

// killPlugin ends the plugin's process with SIGKILL, as a crash would.
func killPlugin(t *testing.T) {
	t.Helper()
	exe := filepath.Join("plugins", env.PluginID, "server", "dist")
	entries, _ := os.ReadDir("/proc")
	killed := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		path, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || !strings.Contains(path, exe) || !strings.HasPrefix(path, env.Server.Dir) {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err == nil {
			killed++
		}
	}
	if killed == 0 {
		t.Fatal("found no plugin process to kill")
	}
}
