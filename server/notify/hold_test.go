package notify

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
)

// screener answers from a table and counts its calls.
type screener struct {
	mu    sync.Mutex
	why   map[string]attention.Reason
	calls int
	err   error
	asked []string
}

func (s *screener) Who(post attention.Post, ids []string) (map[string]attention.Reason, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.asked = append(s.asked, ids...)
	if s.err != nil {
		return nil, s.err
	}
	out := map[string]attention.Reason{}
	for _, id := range ids {
		out[id] = s.why[id]
	}
	return out, nil
}

func (s *screener) count() (calls, asked int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, len(s.asked)
}

// heldJob is a job of n people in one channel mention batch, due after hold.
func heldJob(postID string, n int, hold time.Duration) *Job {
	job := newTestJob(time.Now(), postID, n)
	job.ChannelID, job.PostAt, job.Due = "ops", time.Now().UnixMilli(), time.Now().Add(hold)
	for i := range n {
		job.Batches[0].Users = append(job.Batches[0].Users, fmt.Sprint("user", i))
	}
	return job
}

func TestNothingIsSentBeforeTheHoldEnds(t *testing.T) {
	s := newSetup(t)
	sc := &screener{}
	w := s.worker(t, func(w *Worker) { w.Attention = sc })
	if _, err := s.queue.Add(heldJob("p1", 3, 2*time.Second)); err != nil {
		t.Fatal(err)
	}
	w.Wake()
	// Nothing to wait on: what is checked is that nothing happens.
	time.Sleep(500 * time.Millisecond)
	if calls, _ := sc.count(); s.total() != 0 || calls != 0 {
		t.Fatal("sent or screened during the hold")
	}
	waitUntil(t, "the held notification", func() bool { return s.total() == 3 })
}

func TestPeopleWhoReadOrAreAtWorkAreSparedAndTheRestRegrouped(t *testing.T) {
	s := newSetup(t)
	why := map[string]attention.Reason{}
	for i := range 250 {
		if i%2 == 0 {
			why[fmt.Sprint("user", i)] = attention.Read
		}
	}
	why["user1"] = attention.Active
	sc := &screener{why: why}
	w := s.worker(t, func(w *Worker) { w.Attention = sc })
	job := heldJob("p1", 250, 0)
	if _, err := s.queue.Add(job); err != nil {
		t.Fatal(err)
	}
	w.Wake()
	waitUntil(t, "delivery", func() bool { return s.total() == 124 })
	time.Sleep(200 * time.Millisecond)
	got := s.cloud.Notifications()
	if len(got) != 2 || len(got[0].Recipients) != 100 || len(got[1].Recipients) != 24 {
		t.Fatalf("%d requests for 124 people", len(got))
	}
	for _, n := range got {
		for _, oid := range n.Recipients {
			var i int
			fmt.Sscanf(oid[len(oid)-12:], "%d", &i)
			if i%2 == 0 || i == 1 {
				t.Fatalf("%s was told though spared", oid)
			}
		}
	}
	if calls, _ := sc.count(); calls != 1 {
		t.Fatalf("screened %d times", calls)
	}
	if counts, _ := w.Stats.Read(); counts.Spared != 126 {
		t.Fatalf("spared %d", counts.Spared)
	}
}

func TestAJobWhoseEveryoneHasReadItIsFinishedWithoutARequest(t *testing.T) {
	s := newSetup(t)
	sc := &screener{why: map[string]attention.Reason{"user0": attention.Read, "user1": attention.ChoseOff}}
	w := s.worker(t, func(w *Worker) { w.Attention = sc })
	if _, err := s.queue.Add(heldJob("p1", 2, 0)); err != nil {
		t.Fatal(err)
	}
	s.add(t, "p2", 1) // queued before Users were kept: sent unscreened
	w.Wake()
	waitUntil(t, "the next job", func() bool { return s.total() == 1 })
	if st, _ := s.queue.Status(); st.Jobs != 0 {
		t.Fatalf("%d jobs left", st.Jobs)
	}
	if _, asked := sc.count(); asked != 2 {
		t.Fatalf("asked about %d people", asked)
	}
}

func TestAFailedCheckTellsNobodyUntilItCanBeMade(t *testing.T) {
	s := newSetup(t)
	sc := &screener{err: errors.New("database gone")}
	w := s.worker(t, func(w *Worker) { w.Attention = sc })
	if _, err := s.queue.Add(heldJob("p1", 3, 0)); err != nil {
		t.Fatal(err)
	}
	w.Wake()
	waitUntil(t, "a few failed checks", func() bool { calls, _ := sc.count(); return calls >= 3 })
	if s.total() != 0 {
		t.Fatal("people were told from a check that could not be made")
	}
	sc.mu.Lock()
	sc.err = nil
	sc.mu.Unlock()
	waitUntil(t, "delivery once the check works", func() bool { return s.total() == 3 })
}

func TestAHoldSurvivesARestartAndScreensOnce(t *testing.T) {
	s := newSetup(t)
	sc := &screener{why: map[string]attention.Reason{"user0": attention.Read}}
	first := s.worker(t, func(w *Worker) { w.Attention = sc })
	if _, err := s.queue.Add(heldJob("p1", 2, 600*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	first.Wake()
	time.Sleep(200 * time.Millisecond)
	first.Stop()
	second := s.worker(t, func(w *Worker) { w.Attention = sc })
	second.Wake()
	waitUntil(t, "delivery after the restart", func() bool { return s.total() == 1 })
	time.Sleep(300 * time.Millisecond)
	if calls, _ := sc.count(); s.total() != 1 || calls != 1 {
		t.Fatalf("sent %d, screened %d times", s.total(), calls)
	}
}

func TestALaterPostOfTheChainStillQueuedReplacesAnEarlierOne(t *testing.T) {
	s := newSetup(t)
	sc := &screener{}
	older, newer := heldJob("p1", 3, 0), heldJob("p2", 2, 300*time.Millisecond)
	other := heldJob("p3", 3, 0)
	older.Chain, newer.Chain, other.Chain = 7, 7, 8
	newer.Enqueued = older.Enqueued.Add(time.Millisecond)
	for _, j := range []*Job{older, newer, other} {
		if _, err := s.queue.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	w := s.worker(t, func(w *Worker) { w.Attention = sc })
	w.Wake()
	// p1's user2 is not in p2, so only it is told of p1; p2 tells two, p3 three.
	waitUntil(t, "delivery", func() bool { return s.total() == 6 })
	time.Sleep(200 * time.Millisecond)
	got := s.cloud.Notifications()
	if len(got) != 3 || len(got[0].Recipients) != 1 || got[0].Recipients[0] != recipientID(0, 2) {
		t.Fatalf("requests %+v", got)
	}
	if counts, _ := w.Stats.Read(); counts.Replaced != 2 || counts.Spared != 0 {
		t.Fatalf("counts %+v", counts)
	}
}

func TestLoweringTheHoldReleasesJobsQueuedUnderALongerOne(t *testing.T) {
	s := newSetup(t)
	w := s.worker(t, func(w *Worker) {
		w.Attention = &screener{}
		w.Delivery = func() (Delivery, error) {
			return Delivery{Sender: s.graph.Load(), AppExternalID: appID, Hold: 0}, nil
		}
	})
	if _, err := s.queue.Add(heldJob("p1", 1, time.Hour)); err != nil {
		t.Fatal(err)
	}
	w.Wake()
	waitUntil(t, "the job held an hour, sent at once", func() bool { return s.total() == 1 })
}

func TestOnlyALaterPostAsStrongAndHealthyReplacesAnEarlierOne(t *testing.T) {
	for name, change := range map[string]func(later *Job){
		"the later post is failing": func(later *Job) { later.FailingSince = time.Now() },
		"the later post is weaker":  func(later *Job) { later.Batches[0].Type = "threadReply" },
	} {
		t.Run(name, func(t *testing.T) {
			s := newSetup(t)
			older, newer := heldJob("p1", 2, 0), heldJob("p2", 2, 200*time.Millisecond)
			older.Chain, newer.Chain = 7, 7
			newer.Enqueued = older.Enqueued.Add(time.Millisecond)
			change(newer)
			for _, j := range []*Job{older, newer} {
				if _, err := s.queue.Add(j); err != nil {
					t.Fatal(err)
				}
			}
			w := s.worker(t, func(w *Worker) { w.Attention = &screener{} })
			w.Wake()
			waitUntil(t, "both posts", func() bool { return s.total() == 4 })
			if counts, _ := w.Stats.Read(); counts.Replaced != 0 {
				t.Fatalf("replaced %d", counts.Replaced)
			}
		})
	}
}

func TestABacklogOfOneConversationBecomesOneFeedItemHoweverOld(t *testing.T) {
	s := newSetup(t)
	long := time.Now().Add(-10 * time.Minute)
	for i := range 20 {
		job := heldJob(fmt.Sprint("p", i), 3, 0)
		job.Chain, job.Enqueued, job.Due = 7, long.Add(time.Duration(i)*time.Second), long.Add(time.Duration(i+15)*time.Second)
		if _, err := s.queue.Add(job); err != nil {
			t.Fatal(err)
		}
	}
	w := s.worker(t, func(w *Worker) {
		w.Attention = &screener{}
		w.Delivery = func() (Delivery, error) {
			return Delivery{Sender: s.graph.Load(), AppExternalID: appID, Hold: 15 * time.Second}, nil
		}
	})
	w.Wake()
	waitUntil(t, "the queue drained", func() bool {
		head, tail, err := s.queue.Bounds()
		return err == nil && head >= tail
	})
	got := s.cloud.Notifications()
	if len(got) != 1 || len(got[0].Recipients) != 3 || got[0].TopicWebURL != "https://teams.example/l/entity/x/p19" {
		t.Fatalf("want one request for the latest post, got %d", len(got))
	}
	if counts, _ := w.Stats.Read(); counts.Replaced != 57 {
		t.Fatalf("counts %+v", counts)
	}
}

func TestReplacingAPostBringsTheLatestPostsHoldForward(t *testing.T) {
	s := newSetup(t)
	older, newer := heldJob("p1", 2, 0), heldJob("p2", 2, time.Hour)
	older.Chain, newer.Chain = 7, 7
	newer.Enqueued = older.Enqueued.Add(time.Millisecond)
	for _, j := range []*Job{older, newer} {
		if _, err := s.queue.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	w := s.worker(t, func(w *Worker) {
		w.Attention = &screener{}
		w.Delivery = func() (Delivery, error) {
			return Delivery{Sender: s.graph.Load(), AppExternalID: appID, Hold: 2 * time.Hour}, nil
		}
	})
	w.Wake()
	waitUntil(t, "the latest post, sent when the first one's hold ended", func() bool { return s.total() == 2 })
	if got := s.cloud.Notifications(); len(got) != 1 || got[0].TopicWebURL != "https://teams.example/l/entity/x/p2" {
		t.Fatalf("requests %+v", got)
	}
}
