package notify

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
)

// Pause is why the worker stopped sending: a cause that fails every
// request, such as the Teams app missing from the catalog. It is kept in
// the KV store, so every server's worker and the connection check see it.
type Pause struct {
	Cause graph.Cause `json:"cause"`
	// Error is Graph's or Entra's answer, for the log.
	Error string    `json:"error"`
	Since time.Time `json:"since"`
	// ProbeAt is when a worker next tries to send.
	ProbeAt time.Time `json:"probe_at"`
}

// Keys of the worker's state that outlives a restart and holds
// cluster-wide.
const (
	pauseKey = "nq_pause"
	// notBeforeKey is when the next request may be made, after a 429's
	// Retry-After or a failure's wait.
	notBeforeKey = "nq_not_before"
)

func (q Queue) pause() (*Pause, error) {
	data, appErr := q.KV.KVGet(pauseKey)
	if appErr != nil {
		return nil, fmt.Errorf("read the queue's pause: %w", appErr)
	}
	if data == nil {
		return nil, nil
	}
	var p Pause
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("decode the queue's pause: %w", err)
	}
	return &p, nil
}

// setPause records a pause, or its end with nil.
func (q Queue) setPause(p *Pause) error {
	if p == nil {
		if appErr := q.KV.KVDelete(pauseKey); appErr != nil {
			return fmt.Errorf("end the queue's pause: %w", appErr)
		}
		return nil
	}
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode the queue's pause: %w", err)
	}
	if appErr := q.KV.KVSet(pauseKey, data); appErr != nil {
		return fmt.Errorf("pause the queue: %w", appErr)
	}
	return nil
}

func (q Queue) notBefore() (time.Time, error) {
	var t time.Time
	data, appErr := q.KV.KVGet(notBeforeKey)
	if appErr != nil {
		return t, fmt.Errorf("read when the next request may be made: %w", appErr)
	}
	if data != nil {
		_ = t.UnmarshalText(data)
	}
	return t, nil
}

func (q Queue) setNotBefore(t time.Time) error {
	data, err := t.MarshalText()
	if err != nil {
		return err
	}
	if appErr := q.KV.KVSet(notBeforeKey, data); appErr != nil {
		return fmt.Errorf("store when the next request may be made: %w", appErr)
	}
	return nil
}

// Status is the queue as the connection check shows it.
type Status struct {
	// Jobs and Bytes are what waits, including jobs the KV store has
	// already expired but the worker has not yet passed.
	Jobs, Bytes int64
	// Oldest is when the job at the front was queued; zero when empty.
	Oldest time.Time
	// Pause is why sending stopped, or nil.
	Pause *Pause
	// NotBefore is when Graph (a 429's Retry-After) or a failure's wait
	// lets the next request be made; in the past when nothing holds it.
	NotBefore time.Time
	// The queue's limits.
	MaxJobs, MaxBytes int64
	MaxAge            time.Duration
}

// Status reads the queue's state from the KV store.
func (q Queue) Status() (Status, error) {
	s := Status{MaxJobs: q.maxJobs(), MaxBytes: q.maxBytes(), MaxAge: q.maxAge()}
	head, tail, err := q.bounds()
	if err != nil {
		return s, err
	}
	s.Jobs, s.Bytes = tail.n-head.n, tail.bytes-head.bytes
	// The front slot may still be being written; the one after it tells.
	for n := head.n; n < min(tail.n, head.n+3); n++ {
		e, err := q.entry(n)
		if err == nil && e != nil && e.At == 0 {
			// Queued before entries kept the time: the job has it.
			var it item
			it, err = q.item(n)
			e = it.entry
		}
		if err != nil {
			return s, err
		}
		if e != nil && e.At != 0 {
			s.Oldest = time.Unix(e.At, 0)
			break
		}
	}
	if s.Pause, err = q.pause(); err != nil {
		return s, err
	}
	s.NotBefore, err = q.notBefore()
	return s, err
}

// onSinceKey is when notifications were last turned back on: what was
// queued before then waited through a time an admin said nothing may
// leave, and never does.
const onSinceKey = "nq_on_since"

// TurnedOn records that an admin turned notifications back on at t.
func (q Queue) TurnedOn(t time.Time) error {
	data, err := t.MarshalText()
	if err != nil {
		return err
	}
	if appErr := q.KV.KVSet(onSinceKey, data); appErr != nil {
		return fmt.Errorf("store when notifications were turned on: %w", appErr)
	}
	return nil
}

func (q Queue) onSince() (time.Time, error) {
	var t time.Time
	data, appErr := q.KV.KVGet(onSinceKey)
	if appErr != nil {
		return t, fmt.Errorf("read when notifications were turned on: %w", appErr)
	}
	if data != nil {
		_ = t.UnmarshalText(data)
	}
	return t, nil
}
