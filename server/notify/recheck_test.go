package notify

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// now is the server as the worker reads it at send time: posts, people
// and their links, each changeable by a test, and reads that can fail.
type now struct {
	mu     sync.Mutex
	posts  map[string]*model.Post
	users  map[string]*model.User
	linked map[string]string // user ID → object ID
	fail   error
	reads  int
}

func newNow(job *Job) *now {
	n := &now{posts: map[string]*model.Post{job.PostID: {Id: job.PostID, Message: "the door code is 4711"}},
		users: map[string]*model.User{}, linked: map[string]string{}}
	for _, b := range job.Batches {
		for i, u := range b.Users {
			n.users[u] = &model.User{Id: u}
			n.linked[u] = b.Recipients[i]
		}
	}
	return n
}

func (n *now) GetPost(id string) (*model.Post, *model.AppError) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reads++
	if n.fail != nil {
		return nil, model.NewAppError("GetPost", "read failed", nil, n.fail.Error(), http.StatusInternalServerError)
	}
	p, ok := n.posts[id]
	if !ok {
		return nil, model.NewAppError("GetPost", "not found", nil, "", http.StatusNotFound)
	}
	return p.Clone(), nil
}

func (n *now) GetUsersByIds(ids []string) ([]*model.User, *model.AppError) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*model.User
	for _, id := range ids {
		if u, ok := n.users[id]; ok {
			c := *u
			out = append(out, &c)
		}
	}
	return out, nil
}

func (n *now) InForceFor(u *model.User) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	oid, ok := n.linked[u.Id]
	return oid, ok
}

func (n *now) change(f func(n *now)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f(n)
}

// sendAfterChange queues a held job, lets change act during the hold,
// and returns the worker's view and the job.
func sendAfterChange(t *testing.T, s *setup, change func(n *now)) (*now, *Job) {
	t.Helper()
	job := heldJob("p1", 3, 0)
	n := newNow(job)
	change(n)
	w := s.worker(t, func(w *Worker) { w.Now, w.Linked = n, n })
	if _, err := s.queue.Add(job); err != nil {
		t.Fatal(err)
	}
	w.Wake()
	return n, job
}

// settled waits until the queue is empty.
func settled(t *testing.T, s *setup) {
	t.Helper()
	waitUntil(t, "the queue to empty", func() bool { st, _ := s.queue.Status(); return st.Jobs == 0 })
}

func TestADeletedPostTellsNobody(t *testing.T) {
	s := newSetup(t)
	sendAfterChange(t, s, func(n *now) { delete(n.posts, "p1") })
	settled(t, s)
	if s.total() != 0 {
		t.Fatalf("%d people were told of a deleted post", s.total())
	}
}

func TestAPostDeletedButStillReadableTellsNobody(t *testing.T) {
	s := newSetup(t)
	sendAfterChange(t, s, func(n *now) { n.posts["p1"].DeleteAt = 1 })
	settled(t, s)
	if s.total() != 0 {
		t.Fatalf("%d people were told of a deleted post", s.total())
	}
}

func TestAnEditedPostLeavesAsItReadsNow(t *testing.T) {
	s := newSetup(t)
	sendAfterChange(t, s, func(n *now) { n.posts["p1"].Message = "the code is in the vault" })
	waitUntil(t, "delivery", func() bool { return s.total() == 3 })
	for _, got := range s.cloud.Notifications() {
		if got.Preview != "the code is in the vault" {
			t.Fatalf("the preview says %q", got.Preview)
		}
	}
}

func TestPeopleDeactivatedOrNoLongerLinkedAreNotTold(t *testing.T) {
	s := newSetup(t)
	sendAfterChange(t, s, func(n *now) {
		n.users["user0"].DeleteAt = 1
		delete(n.linked, "user1")                                  // unlinked
		n.linked["user2"] = "11111111-2222-4333-8444-555555555555" // linked since to another identity
	})
	settled(t, s)
	if s.total() != 0 {
		t.Fatalf("%d told", s.total())
	}
	job2 := heldJob("p2", 3, 0)
	n := newNow(job2)
	n.change(func(n *now) { delete(n.users, "user1") }) // the account is gone
	w := s.worker(t, func(w *Worker) { w.Now, w.Linked = n, n })
	if _, err := s.queue.Add(job2); err != nil {
		t.Fatal(err)
	}
	w.Wake()
	waitUntil(t, "delivery to the two left", func() bool { return s.total() == 2 })
	for _, got := range s.cloud.Notifications() {
		for _, oid := range got.Recipients {
			if strings.EqualFold(oid, job2.Batches[0].Recipients[1]) {
				t.Fatal("an account that is gone was told")
			}
		}
	}
	if counts, _ := w.Stats.Read(); counts.Withdrawn < 4 {
		t.Fatalf("withdrawn %d", counts.Withdrawn)
	}
}

func TestAPostThatCannotBeReadAgainWaitsAndTellsNobodyMeanwhile(t *testing.T) {
	s := newSetup(t)
	n, _ := sendAfterChange(t, s, func(n *now) { n.fail = errors.New("database gone") })
	waitUntil(t, "a few failed reads", func() bool { n.mu.Lock(); defer n.mu.Unlock(); return n.reads >= 3 })
	if s.total() != 0 {
		t.Fatal("people were told while the post could not be read")
	}
	n.change(func(n *now) { n.fail = nil })
	waitUntil(t, "delivery once the post reads", func() bool { return s.total() == 3 })
}

func TestALargeJobIsDecidedAgainBeforeLateRequests(t *testing.T) {
	// 250 people leave in three requests at 2 a second: each request
	// after the first few seconds decides again first.
	s := newSetup(t)
	job := heldJob("p1", 250, 0)
	n := newNow(job)
	w := s.worker(t, func(w *Worker) { w.Now, w.Linked = n, n; w.Limits.PerSecond = 0.15 })
	if _, err := s.queue.Add(job); err != nil {
		t.Fatal(err)
	}
	w.Wake()
	waitUntil(t, "the first request", func() bool { return s.total() == 100 })
	n.change(func(n *now) { delete(n.posts, "p1") })
	settled(t, s)
	if s.total() != 100 {
		t.Fatalf("%d told, want only the first 100, sent before the post was deleted", s.total())
	}
}

func TestWhatWaitedWhileNotificationsWereOffNeverLeaves(t *testing.T) {
	s := newSetup(t)
	if _, err := s.queue.Add(newTestJob(time.Now().Add(-time.Minute), "before", 2)); err != nil {
		t.Fatal(err)
	}
	if err := s.queue.TurnedOn(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.queue.Add(newTestJob(time.Now().Add(time.Millisecond), "after", 3)); err != nil {
		t.Fatal(err)
	}
	w := s.worker(t)
	w.Wake()
	waitUntil(t, "the job queued after", func() bool { return s.total() == 3 })
	settled(t, s)
	if s.total() != 3 {
		t.Fatalf("%d told; the job queued before notifications were turned on again was sent", s.total())
	}
}
