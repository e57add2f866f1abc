package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
)

// unnamed passes Graph's answers on without the recipient its message
// names, as Graph does not document that it names one.
type unnamed struct{ inner Sender }

func (u unnamed) Send(ctx context.Context, a graph.Activity) error {
	err := u.inner.Send(ctx, a)
	var gerr *graph.Error
	if errors.As(err, &gerr) {
		copied := *gerr
		copied.Message = "Forbidden"
		return &copied
	}
	return err
}

// jobOf is a held job of one batch to the people i of group 0.
func jobOf(postID string, people ...int) *Job {
	job := heldJob(postID, 0, 0)
	job.Batches = []Batch{{Type: "mention"}}
	for _, i := range people {
		job.Batches[0].Recipients = append(job.Batches[0].Recipients, recipientID(0, i))
		job.Batches[0].Users = append(job.Batches[0].Users, fmt.Sprint("user", i))
	}
	return job
}

func hundred() []int {
	var out []int
	for i := range 100 {
		out = append(out, i)
	}
	return out
}

func TestOneRefusedRecipientInAHundredCostsOnlyThemselves(t *testing.T) {
	for name, sender := range map[string]func(s *setup) Sender{
		"graph names the recipient": func(s *setup) Sender { return s.graph.Load() },
		"graph names nobody":        func(s *setup) Sender { return unnamed{s.graph.Load()} },
	} {
		t.Run(name, func(t *testing.T) {
			s := newSetup(t)
			refused := []int{57}
			if strings.Contains(name, "nobody") {
				refused = []int{3, 57, 58}
			}
			for _, i := range refused {
				s.cloud.SetTeamsAppInstalled(tenant, false, recipientID(0, i))
			}
			if _, err := s.queue.Add(jobOf("p1", hundred()...)); err != nil {
				t.Fatal(err)
			}
			w := s.worker(t, func(w *Worker) {
				w.Attention = &screener{}
				w.Delivery = func() (Delivery, error) {
					return Delivery{Sender: sender(s), AppExternalID: appID, Hold: time.Hour}, nil
				}
			})
			w.Wake()
			waitUntil(t, "the queue empty", func() bool { st, _ := s.queue.Status(); return st.Jobs == 0 })
			counts, _ := w.Stats.Read()
			if counts.Delivered != 100-len(refused) || counts.Refused != len(refused) || counts.GaveUp != 0 {
				t.Fatalf("counts %+v", counts)
			}
			all, _ := Refusals{KV: s.kv}.All()
			for _, i := range refused {
				if ref := all[fmt.Sprint("user", i)]; ref.ObjectID != recipientID(0, i) || !ref.AppMissing() {
					t.Fatalf("refusal of %d: %+v", i, ref)
				}
			}
			if len(all) != len(refused) {
				t.Fatalf("refused %v", all)
			}
			if name == "graph names the recipient" && counts.Requests != 1 {
				t.Fatalf("one refused person cost %d accepted requests, want the rest in one", counts.Requests)
			}
		})
	}
}

func TestARefusedPersonIsLeftOutAndToldOnceUntilTheyOpenTheApp(t *testing.T) {
	s := newSetup(t)
	s.cloud.SetTeamsAppInstalled(tenant, false, recipientID(0, 1))
	var mu sync.Mutex
	told := map[string]int{}
	w := s.worker(t, func(w *Worker) {
		w.Attention = &screener{}
		w.Tell = func(userID string, r Refusal, _ Delivery) error {
			mu.Lock()
			defer mu.Unlock()
			told[userID]++
			return nil
		}
	})
	send := func(postID string) {
		t.Helper()
		if _, err := s.queue.Add(jobOf(postID, 0, 1, 2)); err != nil {
			t.Fatal(err)
		}
		w.Wake()
		waitUntil(t, postID+" sent", func() bool { st, _ := s.queue.Status(); return st.Jobs == 0 })
	}
	send("p1")
	before := len(s.cloud.Notifications())
	send("p2")
	got := s.cloud.Notifications()[before:]
	if len(got) != 1 || len(got[0].Recipients) != 2 {
		t.Fatalf("the refused person was tried again: %+v", got)
	}
	mu.Lock()
	if told["user1"] != 1 || len(told) != 1 {
		t.Fatalf("told %v", told)
	}
	mu.Unlock()

	// Opening the app takes them off the list; refused again, they are
	// not told again.
	if err := (Refusals{KV: s.kv}).Clear("user1"); err != nil {
		t.Fatal(err)
	}
	if ref, _ := (Refusals{KV: s.kv}).Of("user1"); ref != nil {
		t.Fatalf("still refused: %+v", ref)
	}
	send("p3")
	if counts, _ := w.Stats.Read(); counts.Refused != 2 || counts.Withdrawn != 1 {
		t.Fatalf("counts %+v", counts)
	}
}

func TestSplitPutsTheNamedRecipientAloneAndHalvesOtherwise(t *testing.T) {
	b := jobOf("p", 0, 1, 2, 3, 4).Batches[0]
	one, rest := split(b, "Application 'X' is not authorized to send activity notifications to the recipient '"+strings.ToUpper(recipientID(0, 3))+"'.")
	if len(one.Recipients) != 1 || one.Recipients[0] != recipientID(0, 3) || one.Users[0] != "user3" || len(rest.Recipients) != 4 || !one.Apart || !rest.Apart {
		t.Fatalf("named: %+v %+v", one, rest)
	}
	for i, oid := range rest.Recipients {
		if rest.Users[i] != "user"+oid[len(oid)-1:] {
			t.Fatalf("users out of step: %+v", rest)
		}
	}
	a, c := split(b, "Forbidden")
	if len(a.Recipients) != 2 || len(c.Recipients) != 3 || a.Recipients[0] != recipientID(0, 0) {
		t.Fatalf("halves: %+v %+v", a, c)
	}
	if a, c := split(b, "the recipient '"+recipientID(9, 9)+"'"); len(a.Recipients) != 2 || len(c.Recipients) != 3 {
		t.Fatalf("a name outside the batch: %+v %+v", a, c)
	}
}

func TestTheRefusalListKeepsItsNewestAndCutsReasons(t *testing.T) {
	start := time.Now()
	all := map[string]Refusal{}
	for i := range 10 {
		all[fmt.Sprint("u", i)] = Refusal{At: start.Add(time.Duration(10-i) * time.Second)}
	}
	dropOldest(all, 4)
	for _, id := range []string{"u0", "u1", "u2", "u3"} {
		if _, ok := all[id]; !ok || len(all) != 4 {
			t.Fatalf("kept %v", all)
		}
	}
	r := Refusals{KV: newMemKV()}
	if _, err := r.add("u", Refusal{ObjectID: "o", Reason: strings.Repeat("é", 400)}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Of("u")
	if err != nil || len(got.Reason) > maxReasonBytes+len("…") || !strings.HasSuffix(got.Reason, "…") || !utf8.ValidString(got.Reason) {
		t.Fatalf("reason %+v %v", got, err)
	}
}

func TestNobodyIsMessagedWhenGraphsRefusalNamesNobody(t *testing.T) {
	s := newSetup(t)
	s.cloud.SetTeamsAppInstalled(tenant, false, recipientID(0, 0), recipientID(0, 1))
	var mu sync.Mutex
	told := 0
	if _, err := s.queue.Add(jobOf("p1", 0, 1, 2)); err != nil {
		t.Fatal(err)
	}
	w := s.worker(t, func(w *Worker) {
		w.Attention = &screener{}
		w.Delivery = func() (Delivery, error) {
			return Delivery{Sender: unnamed{s.graph.Load()}, AppExternalID: appID, Hold: time.Hour}, nil
		}
		w.Tell = func(string, Refusal, Delivery) error { mu.Lock(); told++; mu.Unlock(); return nil }
	})
	w.Wake()
	settled(t, s)
	if counts, _ := w.Stats.Read(); counts.Refused != 2 || counts.Delivered != 1 {
		t.Fatalf("counts %+v", counts)
	}
	mu.Lock()
	defer mu.Unlock()
	if told != 0 {
		t.Fatalf("%d people messaged about a refusal that named nobody", told)
	}
}
