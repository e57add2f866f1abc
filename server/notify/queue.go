// Package notify delivers activity feed notifications: the hook puts a
// job per post in a queue kept in the KV store, and a single worker across
// the cluster drains it through Microsoft Graph within Graph's limits.
package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// The queue's limits: while Microsoft 365 cannot be reached or is not set
// up, posts keep coming, and the queue must not grow without bound.
const (
	// MaxJobs is how many posts may wait. At 2 requests a second it is
	// more than an hour and a half of sending, one request per post.
	MaxJobs = 10_000
	// MaxBytes is how much the waiting jobs may take in the KV store; a
	// post to 2,000 people takes about 80 KB, a direct message 500 bytes.
	MaxBytes = 64 << 20
	// MaxAge is how long a job may wait: a stale alert helps nobody.
	MaxAge = 6 * time.Hour
)

// Job is the notification of one post: who gets which activity, and how
// far delivery got.
type Job struct {
	PostID   string    `json:"post_id"`
	Topic    string    `json:"topic"`
	WebURL   string    `json:"web_url"`
	Preview  string    `json:"preview"`
	Actor    string    `json:"actor"`
	Channel  string    `json:"channel"`
	Batches  []Batch   `json:"batches"`
	Enqueued time.Time `json:"enqueued"`
	// Chain is the conversation's Graph chainId: a person's feed keeps
	// one item for it, the latest.
	Chain int64 `json:"chain,omitzero"`
	// ChannelID and PostAt (Unix milliseconds) say what a recipient must
	// have read for the notification to be dropped.
	ChannelID string `json:"channel_id,omitempty"`
	PostAt    int64  `json:"post_at,omitzero"`
	// CollapsedReply is a reply in a collapsed thread, whose read state
	// the channel's does not tell.
	CollapsedReply bool `json:"collapsed_reply,omitzero"`
	// Due is when the hold ends: the worker sends nothing before, and
	// then first drops whoever has read the post or is at work in
	// Mattermost. Screened records that this was done.
	Due        time.Time `json:"due,omitzero"`
	Screened   bool      `json:"screened,omitzero"`
	ScreenedAt time.Time `json:"screened_at,omitzero"`
	// Done is how many batches Graph has accepted; a restart resumes
	// after them, so nobody is told twice.
	Done int `json:"done"`
	// FailingSince is when the current batch first failed, and Attempts
	// how often it was tried since, for the growing waits between tries.
	FailingSince time.Time `json:"failing_since,omitzero"`
	Attempts     int       `json:"attempts,omitzero"`
}

// Batch is one Graph request: up to 100 people, one activity type.
type Batch struct {
	Type       string   `json:"type"`
	Recipients []string `json:"recipients"`
	// Users are the recipients' Mattermost IDs, in the same order; jobs
	// queued before they were kept have none and are sent unscreened.
	Users []string `json:"users,omitempty"`
	// Apart marks a part of a batch Graph refused, sent on its own to
	// find whom the refusal was about.
	Apart bool `json:"apart,omitzero"`
}

// holdEnds is when the job's hold is over: its Due, or sooner under a
// shorter hold in force now.
func (job *Job) holdEnds(hold time.Duration) time.Time {
	if capped := job.Enqueued.Add(hold); capped.Before(job.Due) {
		return capped
	}
	return job.Due
}

func (job *Job) people() int {
	n := 0
	for _, b := range job.Batches {
		n += len(b.Recipients)
	}
	return n
}

func (job *Job) remaining() int {
	n := 0
	for _, b := range job.Batches[min(max(job.Done, 0), len(job.Batches)):] {
		n += len(b.Recipients)
	}
	return n
}

// Queue is a first-in, first-out list of jobs in the KV store. Anyone may
// add; only the worker holding the cluster lock takes.
type Queue struct {
	KV mmapi.KV
	// MaxJobs, MaxBytes and MaxAge replace the package's limits when set.
	MaxJobs, MaxBytes int64
	MaxAge            time.Duration
}

func (q Queue) maxJobs() int64 {
	if q.MaxJobs > 0 {
		return q.MaxJobs
	}
	return MaxJobs
}

func (q Queue) maxBytes() int64 {
	if q.MaxBytes > 0 {
		return q.MaxBytes
	}
	return MaxBytes
}

func (q Queue) maxAge() time.Duration {
	if q.MaxAge > 0 {
		return q.MaxAge
	}
	return MaxAge
}

const (
	tailKey = "nq_tail"
	headKey = "nq_head"
	// doneFor is how long a delivered post is remembered, so it is never
	// queued twice; the post hook runs once per post, so this only needs
	// to outlast a restart, and short keeps the KV store small.
	doneFor = time.Hour
)

var doneMarker = []byte(`"done"`)

func jobKey(postID string) string { return "nq_job_" + postID }
func slotKey(n int64) string      { return "nq_slot_" + strconv.FormatInt(n, 10) }

// ErrBusy means the queue's counter kept changing under concurrent adds.
var ErrBusy = errors.New("the notification queue is busy")

// mark is a place in the queue: a slot number, and the size of every job
// queued before it. The head and the tail are marks, so the queue's
// length and size are differences, with no other key to keep in step.
type mark struct{ n, bytes int64 }

// parseMark reads "n bytes", or a bare "n" from before sizes were kept.
func parseMark(b []byte) mark {
	n, size, _ := strings.Cut(string(b), " ")
	var m mark
	m.n, _ = strconv.ParseInt(n, 10, 64)
	m.bytes, _ = strconv.ParseInt(size, 10, 64)
	return m
}

func (m mark) text() []byte {
	return []byte(strconv.FormatInt(m.n, 10) + " " + strconv.FormatInt(m.bytes, 10))
}

// entry is what a slot holds: the post, and enough about its job to
// expire, drop and count it without reading the job itself.
type entry struct {
	PostID string `json:"post"`
	// At is when the job was queued, in Unix seconds.
	At     int64 `json:"at"`
	Bytes  int64 `json:"bytes"`
	People int   `json:"people"`
}

// parseEntry reads an entry, or a bare post ID from before entries.
func parseEntry(b []byte) entry {
	var e entry
	if !bytes.HasPrefix(b, []byte("{")) || json.Unmarshal(b, &e) != nil {
		return entry{PostID: string(b)}
	}
	return e
}

// expireIn is the KV store's expiry for a job queued at enqueued: the
// store forgets jobs that outwait MaxAge wherever they are in the queue,
// at no cost to the worker.
func (q Queue) expireIn(enqueued time.Time) int64 {
	return int64((q.maxAge() - time.Since(enqueued) + time.Second - 1) / time.Second)
}

// Add queues a job, once per post: adding a post already queued or
// delivered, or a job already too old to send, does nothing and reports
// false. The queue may go over its limits until the worker next looks.
func (q Queue) Add(job *Job) (bool, error) {
	ttl := q.expireIn(job.Enqueued)
	if ttl <= 0 {
		return false, nil
	}
	data, err := json.Marshal(job)
	if err != nil {
		return false, fmt.Errorf("encode job: %w", err)
	}
	created, appErr := q.KV.KVSetWithOptions(jobKey(job.PostID), data,
		model.PluginKVSetOptions{Atomic: true, ExpireInSeconds: ttl})
	if appErr != nil {
		return false, fmt.Errorf("store job: %w", appErr)
	}
	if !created {
		return false, nil
	}
	n, err := q.reserve(int64(len(data)))
	if err != nil {
		return false, err
	}
	e, err := json.Marshal(entry{PostID: job.PostID, At: job.Enqueued.Unix(), Bytes: int64(len(data)), People: job.people()})
	if err != nil {
		return false, fmt.Errorf("encode queue entry: %w", err)
	}
	if appErr := q.KV.KVSet(slotKey(n), e); appErr != nil {
		return false, fmt.Errorf("queue job: %w", appErr)
	}
	if job.Chain != 0 {
		// Only a hint, for sparing people an item the next one replaces.
		_, _ = q.KV.KVSetWithOptions(chainKey(job.Chain), []byte(job.PostID), model.PluginKVSetOptions{ExpireInSeconds: ttl})
	}
	return true, nil
}

func chainKey(chain int64) string { return "nq_chain_" + strconv.FormatInt(chain, 10) }

// supersededBy is the job queued after job in its chain that is still
// waiting, or nil: Teams replaces a chain's item with the next one, so
// whoever the later job tells need not be told of this one.
func (q Queue) supersededBy(job *Job) (*Job, error) {
	if job.Chain == 0 {
		return nil, nil
	}
	latest, appErr := q.KV.KVGet(chainKey(job.Chain))
	if appErr != nil {
		return nil, fmt.Errorf("read the chain's latest post: %w", appErr)
	}
	if latest == nil || string(latest) == job.PostID {
		return nil, nil
	}
	data, appErr := q.KV.KVGet(jobKey(string(latest)))
	if appErr != nil {
		return nil, fmt.Errorf("read the chain's latest job: %w", appErr)
	}
	if data == nil || bytes.Equal(data, doneMarker) {
		return nil, nil
	}
	var later Job
	if err := json.Unmarshal(data, &later); err != nil {
		return nil, fmt.Errorf("decode the chain's latest job: %w", err)
	}
	if later.Chain != job.Chain || !later.Enqueued.After(job.Enqueued) || later.Done >= len(later.Batches) {
		return nil, nil
	}
	return &later, nil
}

// reserve takes the next slot number, and counts size in, with
// compare-and-set, which is atomic across the cluster.
func (q Queue) reserve(size int64) (int64, error) {
	for range 100 {
		old, appErr := q.KV.KVGet(tailKey)
		if appErr != nil {
			return 0, fmt.Errorf("read queue tail: %w", appErr)
		}
		m := parseMark(old)
		next := mark{m.n + 1, m.bytes + size}
		ok, appErr := q.KV.KVSetWithOptions(tailKey, next.text(), model.PluginKVSetOptions{Atomic: true, OldValue: old})
		if appErr != nil {
			return 0, fmt.Errorf("advance queue tail: %w", appErr)
		}
		if ok {
			return m.n, nil
		}
	}
	return 0, ErrBusy
}

func (q Queue) mark(key string) (mark, error) {
	b, appErr := q.KV.KVGet(key)
	if appErr != nil {
		return mark{}, fmt.Errorf("read %s: %w", key, appErr)
	}
	return parseMark(b), nil
}

// bounds returns the first slot not yet taken and the next free slot.
func (q Queue) bounds() (head, tail mark, err error) {
	if head, err = q.mark(headKey); err != nil {
		return mark{}, mark{}, err
	}
	tail, err = q.mark(tailKey)
	return head, tail, err
}

// Bounds returns the first slot not yet taken and the next free slot.
func (q Queue) Bounds() (head, tail int64, err error) {
	h, t, err := q.bounds()
	return h.n, t.n, err
}

// item is a slot's content.
type item struct {
	// entry is nil while the slot is still being written (or its writer
	// stopped before writing it).
	entry *entry
	// job is nil when the post was delivered (delivered is then true) or
	// its job expired.
	job       *Job
	delivered bool
}

func (q Queue) entry(n int64) (*entry, error) {
	raw, appErr := q.KV.KVGet(slotKey(n))
	if appErr != nil {
		return nil, fmt.Errorf("read queue slot %d: %w", n, appErr)
	}
	if raw == nil {
		return nil, nil
	}
	e := parseEntry(raw)
	return &e, nil
}

func (q Queue) item(n int64) (item, error) {
	e, err := q.entry(n)
	if err != nil || e == nil {
		return item{}, err
	}
	it := item{entry: e}
	data, appErr := q.KV.KVGet(jobKey(e.PostID))
	if appErr != nil {
		return it, fmt.Errorf("read job of post %s: %w", e.PostID, appErr)
	}
	switch {
	case data == nil:
	case bytes.Equal(data, doneMarker):
		it.delivered = true
	default:
		var job Job
		if err := json.Unmarshal(data, &job); err != nil {
			return it, fmt.Errorf("decode job of post %s: %w", e.PostID, err)
		}
		it.job = &job
		if e.At == 0 {
			e.At = job.Enqueued.Unix()
		}
	}
	return it, nil
}

// Save records a job's progress, keeping its expiry.
func (q Queue) Save(job *Job) error {
	data, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	if _, appErr := q.KV.KVSetWithOptions(jobKey(job.PostID), data,
		model.PluginKVSetOptions{ExpireInSeconds: max(q.expireIn(job.Enqueued), 1)}); appErr != nil {
		return fmt.Errorf("save job of post %s: %w", job.PostID, appErr)
	}
	return nil
}

// finish moves the head past its slot, whose post (if any) is remembered
// as delivered, and returns the new head. A slot whose writer stopped
// after counting its job's size in leaves that size counted until the
// queue is next empty (see Trim): only a crash in that instant does it.
func (q Queue) finish(head mark, e entry) (mark, error) {
	if e.PostID != "" {
		if _, appErr := q.KV.KVSetWithOptions(jobKey(e.PostID), doneMarker,
			model.PluginKVSetOptions{ExpireInSeconds: int64(doneFor / time.Second)}); appErr != nil {
			return head, fmt.Errorf("mark post %s delivered: %w", e.PostID, appErr)
		}
	}
	next := mark{head.n + 1, head.bytes + e.Bytes}
	if appErr := q.KV.KVSet(headKey, next.text()); appErr != nil {
		return head, fmt.Errorf("advance queue head: %w", appErr)
	}
	if appErr := q.KV.KVDelete(slotKey(head.n)); appErr != nil {
		return next, fmt.Errorf("free queue slot %d: %w", head.n, appErr)
	}
	return next, nil
}

// Trimmed is what Trim took off the front of the queue, in jobs and in
// people never told.
type Trimmed struct {
	ExpiredJobs, ExpiredPeople int
	DroppedJobs, DroppedPeople int
}

// Trim drops, from the front, the jobs that waited longer than MaxAge and
// then the oldest jobs while the queue is over MaxJobs or MaxBytes. Jobs
// are queued in the order posts are made, so the expired ones are at the
// front; elsewhere the KV store has already forgotten them. Only the
// worker holding the cluster lock may call it.
func (q Queue) Trim(now time.Time) (Trimmed, error) {
	var out Trimmed
	head, tail, err := q.bounds()
	if err != nil {
		return out, err
	}
	if head.n == tail.n && head.bytes != tail.bytes {
		// An empty queue takes no room: a slot whose writer stopped after
		// counting its size in is forgotten here. Only the worker writes
		// the head, and the tail read is a valid mark, so a job added
		// meanwhile is still counted.
		if appErr := q.KV.KVSet(headKey, tail.text()); appErr != nil {
			return out, fmt.Errorf("reset queue size: %w", appErr)
		}
		return out, nil
	}
	for head.n < tail.n {
		over := tail.n-head.n > q.maxJobs() || tail.bytes-head.bytes > q.maxBytes()
		e, err := q.entry(head.n)
		if err != nil || e == nil {
			return out, err // a slot still being written: the worker waits for it
		}
		expired := e.At != 0 && now.Sub(time.Unix(e.At, 0)) > q.maxAge()
		if !over && !expired && e.At != 0 {
			return out, nil
		}
		it, err := q.item(head.n)
		if err != nil {
			return out, err
		}
		people := 0
		switch {
		case it.job != nil:
			people = it.job.remaining()
		case !it.delivered:
			people = e.People
		}
		expired = expired || (it.job != nil && now.Sub(it.job.Enqueued) > q.maxAge())
		if !over && !expired {
			return out, nil
		}
		if head, err = q.finish(head, *it.entry); err != nil {
			return out, err
		}
		if expired || (it.job == nil && !it.delivered) {
			out.ExpiredJobs++
			out.ExpiredPeople += people
		} else {
			out.DroppedJobs++
			out.DroppedPeople += people
		}
	}
	return out, nil
}
