package notify

import (
	"encoding/json"
	"testing"
	"time"
)

func jobSize(t *testing.T, job *Job) int64 {
	t.Helper()
	data, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(data))
}

func TestTrimKeepsTheQueueWithinItsBytes(t *testing.T) {
	now := time.Now()
	big1, big2, small := newTestJob(now, "big1", 100), newTestJob(now, "big2", 100), newTestJob(now, "small", 1)
	q := Queue{KV: newMemKV(), MaxBytes: jobSize(t, big1) + jobSize(t, small) + 10}
	for _, job := range []*Job{big1, big2, small} {
		if ok, err := q.Add(job); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	if st, _ := q.Status(); st.Bytes != jobSize(t, big1)+jobSize(t, big2)+jobSize(t, small) {
		t.Fatalf("%d bytes counted", st.Bytes)
	}
	trimmed, err := q.Trim(now)
	if err != nil {
		t.Fatal(err)
	}
	if trimmed != (Trimmed{DroppedJobs: 1, DroppedPeople: 100}) {
		t.Fatalf("trimmed %+v", trimmed)
	}
	st, _ := q.Status()
	if st.Jobs != 2 || st.Bytes != jobSize(t, big2)+jobSize(t, small) || st.Bytes > q.MaxBytes {
		t.Fatalf("after: %+v", st)
	}
	if it, _ := q.item(1); it.job == nil || it.job.PostID != "big2" {
		t.Fatalf("the front is %+v", it.entry)
	}
}

func TestTrimKeepsTheQueueWithinItsCount(t *testing.T) {
	now := time.Now()
	q := Queue{KV: newMemKV(), MaxJobs: 2}
	for _, id := range []string{"a", "b", "c", "d"} {
		if ok, err := q.Add(newTestJob(now, id, 3)); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	trimmed, err := q.Trim(now)
	if err != nil || trimmed != (Trimmed{DroppedJobs: 2, DroppedPeople: 6}) {
		t.Fatalf("trimmed %+v, %v", trimmed, err)
	}
	head, tail, _ := q.Bounds()
	if head != 2 || tail != 4 {
		t.Fatalf("bounds %d %d", head, tail)
	}
	// A dropped post is never queued again.
	if ok, _ := q.Add(newTestJob(now, "a", 3)); ok {
		t.Fatal("a dropped post was queued again")
	}
}

func TestTrimExpiresTheFrontByAgeAlone(t *testing.T) {
	now := time.Now()
	q := Queue{KV: newMemKV(), MaxAge: time.Hour}
	q.Add(newTestJob(now.Add(-50*time.Minute), "old", 2))
	q.Add(newTestJob(now, "new", 1))
	trimmed, err := q.Trim(now.Add(20 * time.Minute))
	if err != nil || trimmed != (Trimmed{ExpiredJobs: 1, ExpiredPeople: 2}) {
		t.Fatalf("trimmed %+v, %v", trimmed, err)
	}
	if ok, _ := q.Add(newTestJob(now.Add(-2*time.Hour), "ancient", 1)); ok {
		t.Fatal("a job older than the queue keeps jobs was queued")
	}
}

func TestAQueueFromBeforeSizesStillDelivers(t *testing.T) {
	s := newSetup(t)
	// The keys as the plugin wrote them before entries carried sizes.
	for i, id := range []string{"old1", "old2"} {
		data, _ := json.Marshal(newTestJob(time.Now(), id, 1))
		s.kv.KVSet(jobKey(id), data)
		s.kv.KVSet(slotKey(int64(i)), []byte(id))
	}
	s.kv.KVSet(tailKey, []byte("2"))
	s.kv.KVSet(headKey, []byte("0"))
	if st, err := s.queue.Status(); err != nil || st.Jobs != 2 || st.Oldest.IsZero() {
		t.Fatalf("status %+v, %v", st, err)
	}
	s.add(t, "new", 1)
	s.worker(t)
	waitUntil(t, "delivery", func() bool { return s.total() == 3 })
	waitUntil(t, "the queue empty", func() bool { st, _ := s.queue.Status(); return st.Jobs == 0 && st.Bytes == 0 })
}

func TestDropsAreLoggedAtMostOnceAMinute(t *testing.T) {
	var tl tally
	now := time.Now()
	tl.add(1, 5)
	if jobs, people, ok := tl.flush(now); !ok || jobs != 1 || people != 5 {
		t.Fatalf("first: %d %d %v", jobs, people, ok)
	}
	tl.add(2, 3)
	if _, _, ok := tl.flush(now.Add(30 * time.Second)); ok {
		t.Fatal("logged twice within a minute")
	}
	tl.add(1, 1)
	if jobs, people, ok := tl.flush(now.Add(61 * time.Second)); !ok || jobs != 3 || people != 4 {
		t.Fatalf("after a minute: %d %d %v", jobs, people, ok)
	}
	if _, _, ok := tl.flush(now.Add(3 * time.Minute)); ok {
		t.Fatal("logged with nothing dropped")
	}
}

// A writer that stopped between counting its job in and writing its slot
// leaves a hole the worker skips; the size it counted must not fill the
// queue for good.
func TestAnAbandonedSlotsSizeIsForgottenOnceTheQueueEmpties(t *testing.T) {
	now := time.Now()
	q := Queue{KV: newMemKV()}
	if _, err := q.reserve(5000); err != nil { // the writer stops here
		t.Fatal(err)
	}
	head, _, _ := q.bounds()
	if _, err := q.finish(head, entry{}); err != nil { // the worker skips the hole
		t.Fatal(err)
	}
	if st, _ := q.Status(); st.Jobs != 0 || st.Bytes != 5000 {
		t.Fatalf("before: %+v", st)
	}
	if _, err := q.Trim(now); err != nil {
		t.Fatal(err)
	}
	if st, _ := q.Status(); st.Jobs != 0 || st.Bytes != 0 {
		t.Fatalf("after: %+v", st)
	}
	// The queue still works after.
	if ok, err := q.Add(newTestJob(now, "next", 1)); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if st, _ := q.Status(); st.Jobs != 1 || st.Bytes != jobSize(t, newTestJob(now, "next", 1)) {
		t.Fatalf("after a new job: %+v", st)
	}
}
