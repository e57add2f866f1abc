package notify

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
)

// counted is the plugin API as the send-time decision reads it, counting
// every call: posts, channels, accounts, memberships, statuses and the KV
// store.
type counted struct {
	*memKV
	calls atomic.Int64
}

func (c *counted) KVGet(k string) ([]byte, *model.AppError) {
	c.calls.Add(1)
	return c.memKV.KVGet(k)
}

func (c *counted) GetPost(id string) (*model.Post, *model.AppError) {
	c.calls.Add(1)
	return &model.Post{Id: id, Message: "the bridge is up"}, nil
}

func (c *counted) GetUsersByIds(ids []string) ([]*model.User, *model.AppError) {
	c.calls.Add(1)
	out := make([]*model.User, len(ids))
	for i, id := range ids {
		out[i] = &model.User{Id: id}
	}
	return out, nil
}

func (c *counted) GetChannelMembersByIds(channelID string, ids []string) (model.ChannelMembers, *model.AppError) {
	c.calls.Add(1)
	out := make(model.ChannelMembers, len(ids))
	for i, id := range ids {
		out[i] = model.ChannelMember{ChannelId: channelID, UserId: id, NotifyProps: model.GetDefaultChannelNotifyProps()}
	}
	return out, nil
}

func (c *counted) GetUserStatusesByIds(ids []string) ([]*model.Status, *model.AppError) {
	c.calls.Add(1)
	out := make([]*model.Status, len(ids))
	for i, id := range ids {
		out[i] = &model.Status{UserId: id, Status: model.StatusOffline}
	}
	return out, nil
}

// linkedAsQueued says every account is still linked as the job says.
type linkedAsQueued map[string]string

func (l linkedAsQueued) InForceFor(u *model.User) (string, bool) { oid, ok := l[u.Id]; return oid, ok }

// BenchmarkDecideAgain is the decision a job is given again when it
// leaves: the post, everyone's account, link, membership,
// status and choice, the refused list and the conversation's latest
// post. It must stay batched: plugin API calls per job are reported.
func BenchmarkDecideAgain(b *testing.B) {
	for _, people := range []int{100, 10_000} {
		b.Run(fmt.Sprint(people, " people"), func(b *testing.B) {
			api := &counted{memKV: newMemKV()}
			job := heldJob("p1", 0, 0)
			linked := linkedAsQueued{}
			job.Batches = nil
			for start := 0; start < people; start += 100 {
				batch := Batch{Type: "channelMention"}
				for i := start; i < min(start+100, people); i++ {
					oid, user := recipientID(i/1000, i%1000), fmt.Sprint("user", i)
					batch.Recipients, batch.Users = append(batch.Recipients, oid), append(batch.Users, user)
					linked[user] = oid
				}
				job.Batches = append(job.Batches, batch)
			}
			job.PostAt = time.Now().Add(time.Minute).UnixMilli()
			w := &Worker{Queue: Queue{KV: api}, Log: api, Stats: &Stats{KV: newMemKV()}, Now: api, Linked: linked,
				Attention: attention.Check{API: api, Choice: func(string) attention.Choice { return attention.All }}}
			api.calls.Store(0)
			b.ResetTimer()
			for range b.N {
				copied := *job
				copied.Batches = append([]Batch(nil), job.Batches...)
				if err := w.decideAgain(&copied, time.Hour); err != nil {
					b.Fatal(err)
				}
				if copied.remaining() != people {
					b.Fatalf("%d left of %d", copied.remaining(), people)
				}
			}
			b.ReportMetric(float64(api.calls.Load())/float64(b.N), "api-calls/op")
		})
	}
}

// BenchmarkBacklogAfterThrottle is the queue as a 60-second throttle
// leaves it: 1,000 posts across 50 threads, five people each, all due.
// Each thread's posts merge into its latest, so the feed gets at most one
// request per thread and person; the time is Graph's 2 requests a second.
func BenchmarkBacklogAfterThrottle(b *testing.B) {
	const threads, posts, people = 50, 1000, 5
	for range b.N {
		b.StopTimer()
		s := newSetup(b)
		start := time.Now().Add(-time.Minute)
		for i := range posts {
			thread := i % threads
			job := heldJob(fmt.Sprintf("p%d", i), 0, 0)
			job.Batches = []Batch{{Type: "threadReply"}}
			for k := range people {
				job.Batches[0].Recipients = append(job.Batches[0].Recipients, recipientID(thread, k))
				job.Batches[0].Users = append(job.Batches[0].Users, fmt.Sprintf("t%d-%d", thread, k))
			}
			job.Chain = int64(thread + 1)
			job.Enqueued = start.Add(time.Duration(i) * 50 * time.Millisecond)
			job.Due = job.Enqueued.Add(5 * time.Second)
			if _, err := s.queue.Add(job); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		began := time.Now()
		w := s.worker(b, func(w *Worker) {
			w.Attention = &screener{}
			w.Delivery = func() (Delivery, error) {
				return Delivery{Sender: s.graph.Load(), AppExternalID: appID, Hold: 5 * time.Second}, nil
			}
		})
		w.Wake()
		for {
			if st, _ := s.queue.Status(); st.Jobs == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.StopTimer()
		w.Stop()
		sent := s.cloud.Notifications()
		perFeedItem := map[string]int{}
		most := 0
		for _, n := range sent {
			for _, r := range n.Recipients {
				key := fmt.Sprint(n.ChainID, r)
				perFeedItem[key]++
				most = max(most, perFeedItem[key])
			}
		}
		if len(perFeedItem) != threads*people || most != 1 {
			b.Fatalf("%d feed items, at most %d requests for one; want %d, 1", len(perFeedItem), most, threads*people)
		}
		b.ReportMetric(float64(len(sent)), "requests")
		b.ReportMetric(float64(most), "max-requests/person/thread")
		b.ReportMetric(time.Since(began).Seconds(), "s-to-drain")
	}
}
