package notify

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
)

// memKV is the plugin KV store's semantics in memory, compare-and-set
// and expiry included, so the worker and the cluster lock run unchanged.
// Its clock moves only when a test says so, on top of the real one.
type memKV struct {
	mu      sync.Mutex
	data    map[string][]byte
	expires map[string]time.Time
	ahead   time.Duration
}

func newMemKV() *memKV { return &memKV{data: map[string][]byte{}, expires: map[string]time.Time{}} }

// advance moves the store's clock, so what expires meanwhile is gone.
func (m *memKV) advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ahead += d
}

// live drops key if it expired; the caller holds mu.
func (m *memKV) live(key string) bool {
	if at, ok := m.expires[key]; ok && !time.Now().Add(m.ahead).Before(at) {
		delete(m.data, key)
		delete(m.expires, key)
	}
	_, ok := m.data[key]
	return ok
}

func (m *memKV) KVGet(key string) ([]byte, *model.AppError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.live(key)
	return bytes.Clone(m.data[key]), nil
}

func (m *memKV) KVSet(key string, value []byte) *model.AppError {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = bytes.Clone(value)
	delete(m.expires, key)
	return nil
}

func (m *memKV) KVDelete(key string) *model.AppError {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	delete(m.expires, key)
	return nil
}

func (m *memKV) KVSetWithOptions(key string, value []byte, o model.PluginKVSetOptions) (bool, *model.AppError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exists := m.live(key)
	cur := m.data[key]
	if o.Atomic && ((o.OldValue == nil && exists) || (o.OldValue != nil && !bytes.Equal(cur, o.OldValue))) {
		return false, nil
	}
	delete(m.expires, key)
	if value == nil {
		delete(m.data, key)
		return true, nil
	}
	m.data[key] = bytes.Clone(value)
	if o.ExpireInSeconds > 0 {
		m.expires[key] = time.Now().Add(m.ahead + time.Duration(o.ExpireInSeconds)*time.Second)
	}
	return true, nil
}

func (m *memKV) KVCompareAndSet(key string, oldValue, newValue []byte) (bool, *model.AppError) {
	return m.KVSetWithOptions(key, newValue, model.PluginKVSetOptions{Atomic: true, OldValue: oldValue})
}

func (m *memKV) LogDebug(string, ...any) {}
func (m *memKV) LogError(string, ...any) {}
func (m *memKV) LogWarn(string, ...any)  {}
func (m *memKV) LogInfo(string, ...any)  {}

const (
	tenant   = "6f0c2b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
	clientID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
	secret   = "client~secret.value"
	appID    = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
)

type setup struct {
	cloud *msfake.Cloud
	kv    *memKV
	limit Limits
	queue Queue
	graph atomic.Pointer[graph.Client]
}

func newSetup(t testing.TB) *setup {
	t.Helper()
	cloud, err := msfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cloud.Close)
	cloud.RegisterApp(tenant, clientID, secret)
	cloud.PublishTeamsApp(tenant, appID, "Mission")
	kv := newMemKV()
	s := &setup{
		cloud: cloud, kv: kv, queue: Queue{KV: kv, MaxAge: time.Hour},
		limit: Limits{PerSecond: 2, GiveUpAfter: time.Minute, Probe: time.Hour, Poll: 50 * time.Millisecond,
			RequestTimeout: 5 * time.Second, MaxBackoff: 200 * time.Millisecond},
	}
	s.useSecret(secret)
	return s
}

// useSecret points the workers at a Graph client with this secret, as
// saving new settings does.
func (s *setup) useSecret(secret string) {
	s.graph.Store(graph.New(graph.Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		AuthorityURL: s.cloud.URL(), GraphURL: s.cloud.URL(), HTTPClient: s.cloud.Client()}))
}

func (s *setup) worker(t testing.TB, with ...func(*Worker)) *Worker {
	t.Helper()
	lock, err := cluster.NewMutex(s.kv, "notify_worker")
	if err != nil {
		t.Fatal(err)
	}
	w := &Worker{
		Queue: s.queue, Lock: lock, Log: s.kv, Stats: &Stats{KV: s.kv}, Limits: s.limit,
		Delivery: func() (Delivery, error) {
			return Delivery{Sender: s.graph.Load(), AppExternalID: appID, Hold: time.Hour}, nil
		},
	}
	for _, f := range with {
		f(w)
	}
	w.Start()
	t.Cleanup(w.Stop)
	return w
}

// add queues a job for a post with one batch per group of recipients.
func (s *setup) add(t *testing.T, postID string, groups ...int) {
	t.Helper()
	s.addAt(t, time.Now(), postID, groups...)
}

// addAt queues a job as if queued at enqueued.
func (s *setup) addAt(t *testing.T, enqueued time.Time, postID string, groups ...int) {
	t.Helper()
	if added, err := s.queue.Add(newTestJob(enqueued, postID, groups...)); err != nil || !added {
		t.Fatalf("add %s: %v %v", postID, added, err)
	}
}

func newTestJob(enqueued time.Time, postID string, groups ...int) *Job {
	job := &Job{PostID: postID, Topic: "Ops", WebURL: "https://teams.example/l/entity/x/" + postID, Preview: "hi",
		Actor: "Alice", Channel: "Ops", Enqueued: enqueued}
	for g, n := range groups {
		b := Batch{Type: "mention"}
		for i := range n {
			b.Recipients = append(b.Recipients, recipientID(g, i))
		}
		job.Batches = append(job.Batches, b)
	}
	return job
}

func recipientID(group, i int) string { return fmt.Sprintf("00000000-0000-4000-8%03d-%012d", group, i) }

// delivered counts each recipient's notifications per post.
func (s *setup) delivered() map[string]int {
	out := map[string]int{}
	for _, n := range s.cloud.Notifications() {
		for _, r := range n.Recipients {
			out[n.TopicWebURL+"|"+r]++
		}
	}
	return out
}

func (s *setup) total() int {
	n := 0
	for _, c := range s.delivered() {
		n += c
	}
	return n
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestQueueTakesEachPostOnce(t *testing.T) {
	q := Queue{KV: newMemKV()}
	job := &Job{PostID: "p1", Enqueued: time.Now(), Batches: []Batch{{Type: "mention", Recipients: []string{"a"}}}}
	if added, err := q.Add(job); err != nil || !added {
		t.Fatal(added, err)
	}
	if added, err := q.Add(job); err != nil || added {
		t.Fatalf("the same post was queued twice: %v %v", added, err)
	}
	head, tail, err := q.Bounds()
	if err != nil || head != 0 || tail != 1 {
		t.Fatalf("bounds %d %d %v", head, tail, err)
	}
	if _, err := q.finish(mark{0, 0}, entry{PostID: "p1"}); err != nil {
		t.Fatal(err)
	}
	if added, _ := q.Add(job); added {
		t.Fatal("a delivered post was queued again")
	}
}

func TestWorkerRetriesATimedOutRequest(t *testing.T) {
	s := newSetup(t)
	s.limit.RequestTimeout = 300 * time.Millisecond
	s.add(t, "p1", 3)
	s.cloud.StallNext(1, 3*time.Second)
	w := s.worker(t)
	waitUntil(t, "delivery", func() bool { return s.total() == 3 })
	counts, _ := w.Stats.Read()
	if counts.Retries < 1 || counts.Delivered != 3 {
		t.Fatalf("counts %+v", counts)
	}
}

func TestWorkerGivesUpAfterTheBoundAndGoesOn(t *testing.T) {
	s := newSetup(t)
	s.limit.GiveUpAfter = time.Second
	s.add(t, "doomed", 2)
	s.add(t, "fine", 1)
	s.cloud.FailNext(1000, http.StatusInternalServerError)
	w := s.worker(t)
	waitUntil(t, "giving up", func() bool { c, _ := w.Stats.Read(); return c.GaveUp == 2 })
	s.cloud.FailNext(0, 0)
	waitUntil(t, "the next post", func() bool { return s.total() == 1 })
}

func TestWorkerDropsWhatGraphRefusesAndGoesOn(t *testing.T) {
	s := newSetup(t)
	s.add(t, "p1", 1, 2)
	s.cloud.FailNext(1, http.StatusBadRequest)
	w := s.worker(t)
	waitUntil(t, "the second batch", func() bool { return s.total() == 2 })
	// The worker counts a request once Graph has answered it.
	waitUntil(t, "the count of the second batch", func() bool { c, _ := w.Stats.Read(); return c.Delivered == 2 })
	counts, _ := w.Stats.Read()
	if counts.GaveUp != 1 || counts.Delivered != 2 || counts.Retries != 0 {
		t.Fatalf("counts %+v", counts)
	}
}

func TestWorkerStoppedMidQueueResumesWithoutRepeating(t *testing.T) {
	s := newSetup(t)
	for i := range 6 {
		s.add(t, fmt.Sprintf("p%d", i), 2, 1)
	}
	first := s.worker(t)
	waitUntil(t, "some delivery", func() bool { return s.total() >= 4 })
	first.Stop()
	stopped := s.total()
	if stopped == 18 {
		t.Fatal("everything was delivered before the stop")
	}
	s.worker(t)
	waitUntil(t, "all delivered", func() bool { return s.total() == 18 })
	for key, n := range s.delivered() {
		if n != 1 {
			t.Errorf("%s told %d times", key, n)
		}
	}
}

func TestOnlyOneWorkerSendsAtATime(t *testing.T) {
	s := newSetup(t)
	for i := range 8 {
		s.add(t, fmt.Sprintf("p%d", i), 1)
	}
	// Three servers' workers share the store; the fake answers 429 if
	// more than 2 requests a second arrive.
	for range 3 {
		s.worker(t)
	}
	waitUntil(t, "all delivered", func() bool { return s.total() == 8 })
	var throttled int
	counts, _ := (&Stats{KV: s.kv}).Read()
	throttled = counts.Throttled
	if throttled != 0 {
		t.Errorf("%d requests were throttled", throttled)
	}
}
