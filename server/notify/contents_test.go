package notify

import (
	"strings"
	"testing"
	"time"
)

func TestTheStricterOfTheServersAndThePluginsContentsWins(t *testing.T) {
	for _, c := range []struct {
		server, plugin string
		want           Contents
	}{
		{"full", "server", Full},
		{"full", "", Full},
		{"generic", "server", Generic},
		{"full", "generic", Generic},
		{"generic_no_channel", "generic", GenericNoChannel},
		{"generic", "id_loaded", IDLoaded},
		{"id_loaded", "generic", IDLoaded},
		{"something new", "server", IDLoaded},
		{"", "", Full},
	} {
		if got := ContentsFor(c.server, c.plugin); got != c.want {
			t.Errorf("server %q, plugin %q: %d, want %d", c.server, c.plugin, got, c.want)
		}
	}
}

func TestEachContentsSaysOnlyWhatItMay(t *testing.T) {
	job := &Job{Topic: "Incident Response", Channel: "Incident Response", Actor: "bob", Preview: "the door code is 4711"}
	check := func(c Contents, wantAuthor, wantChannel, wantTopic string, text bool) {
		t.Helper()
		topic, preview, author, channel := c.told(job)
		if author != wantAuthor || channel != wantChannel || topic != wantTopic || strings.Contains(preview, "4711") != text {
			t.Errorf("contents %d: topic %q, preview %q, author %q, channel %q", c, topic, preview, author, channel)
		}
	}
	check(Full, "bob", "Incident Response", "Incident Response", true)
	check(Generic, "bob", "Incident Response", "Incident Response", false)
	check(GenericNoChannel, "bob", withheldChannel, withheldChannel, false)
	check(IDLoaded, withheldAuthor, withheldChannel, withheldChannel, false)
	dm := &Job{Topic: "Direct message", Channel: "bob, alice", Actor: "bob", Preview: "4711"}
	if topic, _, _, channel := GenericNoChannel.told(dm); topic != "Direct message" || channel != withheldChannel {
		t.Errorf("a direct message without channel: topic %q, channel %q", topic, channel)
	}
}

func TestGenericNotificationsCarryNoTextToMicrosoft(t *testing.T) {
	s := newSetup(t)
	w := s.worker(t, func(w *Worker) {
		d := w.Delivery
		w.Delivery = func() (Delivery, error) {
			got, err := d()
			got.Contents = Generic
			return got, err
		}
	})
	job := newTestJob(time.Now(), "p1", 2)
	job.Preview = "the door code is 4711"
	if _, err := s.queue.Add(job); err != nil {
		t.Fatal(err)
	}
	w.Wake()
	waitUntil(t, "delivery", func() bool { return s.total() == 2 })
	for _, n := range s.cloud.Notifications() {
		if strings.Contains(n.Preview, "4711") {
			t.Fatalf("the text reached Graph: %q", n.Preview)
		}
	}
}
