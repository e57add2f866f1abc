package notify

import (
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
)

// waitPaused waits until the queue is paused for cause.
func (s *setup) waitPaused(t *testing.T, cause graph.Cause) Status {
	t.Helper()
	var st Status
	waitUntil(t, "a pause for "+cause.String(), func() bool {
		var err error
		st, err = s.queue.Status()
		return err == nil && st.Pause != nil && st.Pause.Cause == cause
	})
	return st
}

func (s *setup) assertEachToldOnce(t *testing.T, want int) {
	t.Helper()
	got := s.delivered()
	if len(got) != want {
		t.Errorf("%d people told, want %d", len(got), want)
	}
	for key, n := range got {
		if n != 1 {
			t.Errorf("%s told %d times", key, n)
		}
	}
}

func TestWorkerPausesWhileTheAppIsNotInTheCatalogAndResumesWithoutLoss(t *testing.T) {
	s := newSetup(t)
	s.cloud.RemoveTeamsApp(appID)
	s.add(t, "p1", 2)
	s.add(t, "p2", 1, 3)
	w := s.worker(t)
	st := s.waitPaused(t, graph.NoApp)
	if st.Jobs != 2 || st.Oldest.IsZero() || !st.Pause.ProbeAt.Equal(st.Pause.Since.Add(s.limit.Probe)) {
		t.Fatalf("status %+v, pause %+v", st, st.Pause)
	}
	job, _ := s.queue.item(0)
	if !job.job.FailingSince.IsZero() || job.job.Attempts != 0 {
		t.Errorf("the pause counts against the batch: %+v", job.job)
	}
	counts, _ := w.Stats.Read()
	if counts.GaveUp != 0 || counts.Retries != 0 || s.total() != 0 {
		t.Fatalf("while paused: %+v, %d told", counts, s.total())
	}
	// Until the next probe, no server sends anything.
	if wait := w.holdOff(time.Now()); wait < s.limit.Probe-time.Minute {
		t.Fatalf("a paused worker would try again in %s", wait)
	}

	s.cloud.PublishTeamsApp(tenant, appID, "Mission")
	w.Reprobe()
	waitUntil(t, "everyone told", func() bool { return s.total() == 6 })
	// The worker saves its progress just after Graph accepts a request.
	waitUntil(t, "the queue empty", func() bool {
		st, err := s.queue.Status()
		return err == nil && st.Pause == nil && st.Jobs == 0 && st.Bytes == 0
	})
	s.assertEachToldOnce(t, 6)
}

func TestWorkerPausesWithoutConsentAndResumesOnceGranted(t *testing.T) {
	s := newSetup(t)
	s.cloud.SetAppRoles(tenant, clientID, "AppCatalog.Read.All")
	s.add(t, "p1", 2)
	w := s.worker(t)
	s.waitPaused(t, graph.NoConsent)
	s.cloud.SetAppRoles(tenant, clientID, msfake.AppRoles...)
	w.Reprobe()
	waitUntil(t, "delivery", func() bool { return s.total() == 2 })
	if counts, _ := w.Stats.Read(); counts.GaveUp != 0 {
		t.Fatalf("counts %+v", counts)
	}
}

func TestWorkerPausedByARefusedSecretResumesWithNewSettings(t *testing.T) {
	s := newSetup(t)
	s.useSecret("not-the-secret")
	s.add(t, "p1", 1)
	w := s.worker(t)
	s.waitPaused(t, graph.SignInRefused)
	s.useSecret(secret)
	w.Reprobe()
	waitUntil(t, "delivery", func() bool { return s.total() == 1 })
}

func TestARecipientWithoutTheAppCostsOnlyThemselves(t *testing.T) {
	s := newSetup(t)
	s.cloud.SetTeamsAppInstalled(tenant, false, recipientID(0, 0))
	// The first batch of each post is to the person without the app.
	s.add(t, "p1", 1, 2)
	s.add(t, "p2", 1, 1)
	w := s.worker(t)
	waitUntil(t, "the queue empty", func() bool { st, _ := s.queue.Status(); return st.Jobs == 0 })
	counts, _ := w.Stats.Read()
	if counts.Refused != 2 || counts.GaveUp != 0 || counts.Delivered != 3 || s.total() != 3 {
		t.Fatalf("counts %+v", counts)
	}
	if st, _ := s.queue.Status(); st.Pause != nil {
		t.Fatalf("one person's refusal paused the queue: %+v", st.Pause)
	}
}

func TestRetryAfterOutlastsARestart(t *testing.T) {
	s := newSetup(t)
	s.cloud.ThrottleNext(1, 2*time.Minute)
	s.add(t, "p1", 1)
	first := s.worker(t)
	waitUntil(t, "the 429", func() bool { c, _ := first.Stats.Read(); return c.Throttled == 1 })
	first.Stop()

	st, err := s.queue.Status()
	if err != nil || st.NotBefore.Before(time.Now().Add(time.Minute)) {
		t.Fatalf("not-before %v, %v", st.NotBefore, err)
	}
	second := s.worker(t)
	if wait := second.holdOff(time.Now()); wait < time.Minute {
		t.Fatalf("the restarted worker would send in %s", wait)
	}
	// Once the time Graph asked for has come, it sends.
	if err := s.queue.setNotBefore(time.Now()); err != nil {
		t.Fatal(err)
	}
	second.Wake()
	waitUntil(t, "delivery", func() bool { return s.total() == 1 })
}

func TestJobsExpireInTheMiddleOfTheQueue(t *testing.T) {
	s := newSetup(t)
	s.cloud.RemoveTeamsApp(appID)
	s.add(t, "first", 1)
	// Queued as long ago as the queue keeps jobs, but for 3 seconds.
	s.addAt(t, time.Now().Add(-s.queue.MaxAge+3*time.Second), "stale", 2)
	s.add(t, "last", 1)
	w := s.worker(t)
	s.waitPaused(t, graph.NoApp)
	s.kv.advance(5 * time.Second)
	if data, _ := s.kv.KVGet(jobKey("stale")); data != nil {
		t.Fatal("the stale job is still stored")
	}
	if head, _, _ := s.queue.Bounds(); head != 0 {
		t.Fatalf("the worker moved on while paused: head %d", head)
	}

	s.cloud.PublishTeamsApp(tenant, appID, "Mission")
	w.Reprobe()
	waitUntil(t, "the queue empty", func() bool { st, _ := s.queue.Status(); return st.Jobs == 0 })
	counts, _ := w.Stats.Read()
	if s.total() != 2 || counts.Expired != 2 || counts.Delivered != 2 {
		t.Fatalf("%d told, counts %+v", s.total(), counts)
	}
	for key := range s.delivered() {
		if postOf(key) == "stale" {
			t.Errorf("the stale post was delivered: %s", key)
		}
	}
}

func TestAPausedQueueKeepsOnlyItsNewestJobs(t *testing.T) {
	s := newSetup(t)
	s.queue.MaxJobs = 3
	s.cloud.RemoveTeamsApp(appID)
	for _, id := range []string{"p0", "p1", "p2", "p3", "p4"} {
		s.add(t, id, 2)
	}
	w := s.worker(t)
	s.waitPaused(t, graph.NoApp)
	waitUntil(t, "the cap", func() bool { st, _ := s.queue.Status(); return st.Jobs == 3 })
	s.cloud.PublishTeamsApp(tenant, appID, "Mission")
	w.Reprobe()
	waitUntil(t, "delivery", func() bool { return s.total() == 6 })
	waitUntil(t, "the queue empty", func() bool { st, _ := s.queue.Status(); return st.Jobs == 0 })
	for key := range s.delivered() {
		if post := postOf(key); post == "p0" || post == "p1" {
			t.Errorf("%s was delivered; the oldest should have been dropped", post)
		}
	}
	if counts, _ := w.Stats.Read(); counts.Dropped != 4 {
		t.Fatalf("counts %+v", counts)
	}
}

// postOf is the post a delivered() key is about.
func postOf(key string) string {
	url := key[:len(key)-len(recipientID(0, 0))-1]
	return url[len("https://teams.example/l/entity/x/"):]
}
