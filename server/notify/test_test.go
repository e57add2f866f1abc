package notify

import (
	"errors"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
)

func outcomeOf(t *testing.T, q Queue, id string) *TestOutcome {
	t.Helper()
	var o *TestOutcome
	waitUntil(t, "the test's outcome", func() bool {
		var err error
		o, err = q.TestOutcome(id)
		return err == nil && o != nil
	})
	return o
}

func TestATestGoesAheadOfHeldNotificationsAndTellsWhatHappened(t *testing.T) {
	s := newSetup(t)
	w := s.worker(t, func(w *Worker) { w.Attention = &screener{} })
	if _, err := s.queue.Add(heldJob("held", 3, time.Hour)); err != nil {
		t.Fatal(err)
	}
	id, err := s.queue.AddTest("user-a", recipientID(9, 1), Target{Home: func() string { return "https://teams.example/l/entity/x/mattermost" }}, "Mission")
	if err != nil {
		t.Fatal(err)
	}
	w.Wake()
	if o := outcomeOf(t, s.queue, id); !o.Sent {
		t.Fatalf("outcome %+v", o)
	}
	got := s.cloud.Notifications()
	if len(got) != 1 || got[0].Recipients[0] != recipientID(9, 1) || got[0].ActivityType != TestActivityType ||
		got[0].TemplateParameters["author"] != "Mission" {
		t.Fatalf("sent %+v", got)
	}
	// One test a minute each; someone else may test meanwhile.
	if _, err := s.queue.AddTest("user-a", recipientID(9, 1), Target{}, "Mission"); !errors.Is(err, ErrTestPending) {
		t.Fatalf("a second test within the minute: %v", err)
	}
	if _, err := s.queue.AddTest("user-b", recipientID(9, 2), Target{}, "Mission"); err != nil {
		t.Fatalf("someone else's test: %v", err)
	}
}

func TestTooManyWaitingTestsAreRefused(t *testing.T) {
	s := newSetup(t) // no worker: the tests wait
	for i := range maxTests {
		if _, err := s.queue.AddTest(recipientID(1, i), recipientID(1, i), Target{}, "M"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.queue.AddTest("one-more", "oid", Target{}, "M"); !errors.Is(err, ErrTooManyTests) {
		t.Fatalf("the %dth test: %v", maxTests+1, err)
	}
	// Refused, it does not hold the person's minute.
	if _, err := s.queue.AddTest("one-more", "oid", Target{}, "M"); !errors.Is(err, ErrTooManyTests) {
		t.Fatalf("again: %v", err)
	}
}

func TestAThrottledTestSaysWhenItMayGo(t *testing.T) {
	s := newSetup(t)
	s.cloud.ThrottleNext(1, 7*time.Second)
	w := s.worker(t)
	id, err := s.queue.AddTest("user-a", recipientID(9, 1), Target{}, "Mission")
	if err != nil {
		t.Fatal(err)
	}
	w.Wake()
	o := outcomeOf(t, s.queue, id)
	if o.Sent || o.Cause != graph.Throttled || time.Until(o.RetryAfter) < 5*time.Second {
		t.Fatalf("outcome %+v", o)
	}
	if st, _ := s.queue.Status(); time.Until(st.NotBefore) < 5*time.Second {
		t.Fatalf("the queue does not wait: %v", st.NotBefore)
	}
}
