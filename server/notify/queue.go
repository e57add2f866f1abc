// Package notify delivers activity feed notifications: the hook puts a
// job per post in a queue kept in the KV store, and a single worker across
// the cluster drains it through Microsoft Graph within Graph's limits.
package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// KV is the part of the plugin API the queue uses.
type KV interface {
	KVGet(key string) ([]byte, *model.AppError)
	KVSet(key string, value []byte) *model.AppError
	KVDelete(key string) *model.AppError
	KVSetWithOptions(key string, value []byte, options model.PluginKVSetOptions) (bool, *model.AppError)
}

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
	// Done is how many batches Graph has accepted; a restart resumes
	// after them, so nobody is told twice.
	Done int `json:"done"`
	// FailingSince is when the current batch first failed.
	FailingSince time.Time `json:"failing_since,omitzero"`
}

// Batch is one Graph request: up to 100 people, one activity type.
type Batch struct {
	Type       string   `json:"type"`
	Recipients []string `json:"recipients"`
}

// Queue is a first-in, first-out list of jobs in the KV store. Anyone may
// add; only the worker holding the cluster lock takes.
type Queue struct {
	KV KV
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

// Add queues a job, once per post: adding a post already queued or
// delivered does nothing and reports false.
func (q Queue) Add(job *Job) (bool, error) {
	data, err := json.Marshal(job)
	if err != nil {
		return false, fmt.Errorf("encode job: %w", err)
	}
	created, appErr := q.KV.KVSetWithOptions(jobKey(job.PostID), data, model.PluginKVSetOptions{Atomic: true})
	if appErr != nil {
		return false, fmt.Errorf("store job: %w", appErr)
	}
	if !created {
		return false, nil
	}
	n, err := q.reserve()
	if err != nil {
		return false, err
	}
	if appErr := q.KV.KVSet(slotKey(n), []byte(job.PostID)); appErr != nil {
		return false, fmt.Errorf("queue job: %w", appErr)
	}
	return true, nil
}

// reserve takes the next slot number with compare-and-set, which is
// atomic across the cluster.
func (q Queue) reserve() (int64, error) {
	for range 100 {
		old, appErr := q.KV.KVGet(tailKey)
		if appErr != nil {
			return 0, fmt.Errorf("read queue tail: %w", appErr)
		}
		n := parseCount(old)
		ok, appErr := q.KV.KVSetWithOptions(tailKey, []byte(strconv.FormatInt(n+1, 10)),
			model.PluginKVSetOptions{Atomic: true, OldValue: old})
		if appErr != nil {
			return 0, fmt.Errorf("advance queue tail: %w", appErr)
		}
		if ok {
			return n, nil
		}
	}
	return 0, ErrBusy
}

func parseCount(b []byte) int64 {
	n, _ := strconv.ParseInt(string(b), 10, 64)
	return n
}

func (q Queue) count(key string) (int64, error) {
	b, appErr := q.KV.KVGet(key)
	if appErr != nil {
		return 0, fmt.Errorf("read %s: %w", key, appErr)
	}
	return parseCount(b), nil
}

// Bounds returns the first slot not yet taken and the next free slot.
func (q Queue) Bounds() (head, tail int64, err error) {
	if head, err = q.count(headKey); err != nil {
		return 0, 0, err
	}
	tail, err = q.count(tailKey)
	return head, tail, err
}

// Slot returns the job in slot n, or nil when the slot is still being
// written (or its writer stopped before writing it).
func (q Queue) Slot(n int64) (*Job, error) {
	postID, appErr := q.KV.KVGet(slotKey(n))
	if appErr != nil {
		return nil, fmt.Errorf("read queue slot %d: %w", n, appErr)
	}
	if postID == nil {
		return nil, nil
	}
	data, appErr := q.KV.KVGet(jobKey(string(postID)))
	if appErr != nil {
		return nil, fmt.Errorf("read job of post %s: %w", postID, appErr)
	}
	if data == nil || string(data) == string(doneMarker) {
		return &Job{PostID: string(postID), Done: -1}, nil
	}
	var job Job
	if err := json.Unmarshal(data, &job); err != nil {
		return nil, fmt.Errorf("decode job of post %s: %w", postID, err)
	}
	return &job, nil
}

// Save records a job's progress.
func (q Queue) Save(job *Job) error {
	data, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	if appErr := q.KV.KVSet(jobKey(job.PostID), data); appErr != nil {
		return fmt.Errorf("save job of post %s: %w", job.PostID, appErr)
	}
	return nil
}

// Finish moves the head past slot n, whose post (if any) is remembered as
// delivered.
func (q Queue) Finish(n int64, postID string) error {
	if postID != "" {
		if _, appErr := q.KV.KVSetWithOptions(jobKey(postID), doneMarker,
			model.PluginKVSetOptions{ExpireInSeconds: int64(doneFor / time.Second)}); appErr != nil {
			return fmt.Errorf("mark post %s delivered: %w", postID, appErr)
		}
	}
	if appErr := q.KV.KVSet(headKey, []byte(strconv.FormatInt(n+1, 10))); appErr != nil {
		return fmt.Errorf("advance queue head: %w", appErr)
	}
	if appErr := q.KV.KVDelete(slotKey(n)); appErr != nil {
		return fmt.Errorf("free queue slot %d: %w", n, appErr)
	}
	return nil
}
