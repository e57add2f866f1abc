package notify

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
)

// Sender delivers one Graph activity.
type Sender interface {
	Send(ctx context.Context, a graph.Activity) error
}

// Delivery is where notifications go now: the Graph client and the Teams
// app's manifest ID.
type Delivery struct {
	Sender        Sender
	AppExternalID string
}

// Locker is the cluster-wide lock only one worker holds.
type Locker interface {
	LockWithContext(ctx context.Context) error
	Unlock()
}

// Logger is the plugin API's structured logger.
type Logger interface {
	LogInfo(msg string, keyValuePairs ...any)
	LogWarn(msg string, keyValuePairs ...any)
	LogError(msg string, keyValuePairs ...any)
}

// Limits bound how hard and how long the worker tries.
type Limits struct {
	// PerSecond is Microsoft's limit on the bulk endpoint per tenant.
	PerSecond float64
	// GiveUpAfter is how long one batch may keep failing.
	GiveUpAfter time.Duration
	// MaxAge drops jobs that waited longer than this (for instance while
	// the settings were incomplete): a stale alert helps nobody.
	MaxAge time.Duration
	// Poll is how often an idle worker looks at the queue, for jobs other
	// servers added or a previous run left.
	Poll time.Duration
	// RequestTimeout bounds one Graph request.
	RequestTimeout time.Duration
	// MaxBackoff caps the wait after a failure.
	MaxBackoff time.Duration
}

// DefaultLimits are the limits in production.
var DefaultLimits = Limits{
	PerSecond:      2,
	GiveUpAfter:    time.Hour,
	MaxAge:         6 * time.Hour,
	Poll:           5 * time.Second,
	RequestTimeout: 30 * time.Second,
	MaxBackoff:     time.Minute,
}

// Worker drains the queue. Every server runs one; the cluster lock lets
// only one of them send at a time, so the rate limit holds cluster-wide.
type Worker struct {
	Queue Queue
	Lock  Locker
	// Delivery returns where to send, or an error while notifications are
	// off or the settings incomplete; jobs then wait.
	Delivery func() (Delivery, error)
	Log      Logger
	Stats    *Stats
	Limits   Limits

	wake    chan struct{}
	limiter *rate.Limiter
	holes   map[int64]time.Time

	stop context.CancelFunc
	done chan struct{}
	once sync.Once
}

// Start runs the worker until Stop.
func (w *Worker) Start() {
	w.wake = make(chan struct{}, 1)
	w.limiter = rate.NewLimiter(rate.Limit(w.Limits.PerSecond), 1)
	w.holes = map[int64]time.Time{}
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	go w.run(ctx)
}

// Stop ends the worker after the Graph request in flight, if any, has
// been answered and recorded, so nothing is sent twice after a restart.
func (w *Worker) Stop() {
	w.once.Do(func() {
		if w.stop != nil {
			w.stop()
			<-w.done
		}
	})
}

// Wake asks the worker to look at the queue now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) run(ctx context.Context) {
	defer close(w.done)
	poll := time.NewTicker(w.Limits.Poll)
	defer poll.Stop()
	for {
		w.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-poll.C:
		}
	}
}

// drain delivers queued jobs while this server holds the lock.
func (w *Worker) drain(ctx context.Context) {
	head, tail, err := w.Queue.Bounds()
	if err != nil || head >= tail {
		if err != nil {
			w.Log.LogWarn("Reading the notification queue failed", "error", err.Error())
		}
		return
	}
	d, err := w.Delivery()
	if err != nil {
		return
	}
	lockCtx, cancel := context.WithTimeout(ctx, w.Limits.Poll)
	err = w.Lock.LockWithContext(lockCtx)
	cancel()
	if err != nil {
		return // another server is draining
	}
	defer w.Lock.Unlock()
	// The server that held the lock before may have sent a moment ago.
	if !sleep(ctx, time.Until(w.lastRequest().Add(w.interval()))) {
		return
	}
	for ctx.Err() == nil {
		more, err := w.next(ctx, d)
		if err != nil {
			w.Log.LogWarn("Delivering notifications failed", "error", err.Error())
			return
		}
		if !more {
			return
		}
	}
}

// holeWait is how long an empty slot below the tail is waited for: its
// writer may still be storing it.
const holeWait = 30 * time.Second

// next delivers the job at the head of the queue and reports whether
// there may be more.
func (w *Worker) next(ctx context.Context, d Delivery) (bool, error) {
	head, tail, err := w.Queue.Bounds()
	if err != nil || head >= tail {
		return false, err
	}
	job, err := w.Queue.Slot(head)
	if err != nil {
		return false, err
	}
	if job == nil {
		first, seen := w.holes[head]
		if !seen {
			w.holes[head] = time.Now()
			return false, nil
		}
		if time.Since(first) < holeWait {
			return false, nil
		}
		delete(w.holes, head)
		return true, w.Queue.Finish(head, "")
	}
	if job.Done >= 0 && job.Done < len(job.Batches) {
		if !w.deliver(ctx, d, job) {
			return false, nil
		}
	}
	return true, w.Queue.Finish(head, job.PostID)
}

// deliver sends a job's remaining batches and reports whether the job is
// finished (delivered or given up); false means the worker is stopping.
func (w *Worker) deliver(ctx context.Context, d Delivery, job *Job) bool {
	if age := time.Since(job.Enqueued); age > w.Limits.MaxAge {
		w.Log.LogWarn("Dropped a notification that waited too long", "post_id", job.PostID, "waited", age.Round(time.Second).String())
		w.Stats.add(func(s *Counts) { s.Expired += job.remaining() })
		return true
	}
	for attempt := 0; job.Done < len(job.Batches); {
		if err := w.limiter.Wait(ctx); err != nil {
			return false
		}
		b := job.Batches[job.Done]
		err := w.send(ctx, d, job, b)
		if err == nil {
			job.Done++
			job.FailingSince, attempt = time.Time{}, 0
			w.Stats.add(func(s *Counts) { s.Requests++; s.Delivered += len(b.Recipients) })
			w.save(job)
			continue
		}
		wait, keep := w.judge(job, b, err, attempt)
		attempt++
		if !keep {
			job.Done++
			job.FailingSince, attempt = time.Time{}, 0
			w.save(job)
			continue
		}
		w.save(job)
		if !sleep(ctx, wait) {
			return false
		}
	}
	return true
}

func (job *Job) remaining() int {
	n := 0
	for _, b := range job.Batches[max(job.Done, 0):] {
		n += len(b.Recipients)
	}
	return n
}

func (w *Worker) save(job *Job) {
	if err := w.Queue.Save(job); err != nil {
		w.Log.LogWarn("Saving notification progress failed", "post_id", job.PostID, "error", err.Error())
	}
}

// lastRequestKey keeps when any server last called the bulk endpoint, so
// the next holder of the lock keeps to the rate limit too.
const lastRequestKey = "nq_last_request"

func (w *Worker) interval() time.Duration {
	return time.Duration(float64(time.Second) / w.Limits.PerSecond)
}

func (w *Worker) lastRequest() time.Time {
	data, appErr := w.Queue.KV.KVGet(lastRequestKey)
	if appErr != nil || data == nil {
		return time.Time{}
	}
	var t time.Time
	_ = t.UnmarshalText(data)
	return t
}

// send makes one Graph request. It is not cut short when the worker
// stops: its answer must be recorded, or a restart would send it again.
func (w *Worker) send(ctx context.Context, d Delivery, job *Job, b Batch) error {
	reqCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.Limits.RequestTimeout)
	defer cancel()
	defer func() {
		if data, err := time.Now().MarshalText(); err == nil {
			_ = w.Queue.KV.KVSet(lastRequestKey, data)
		}
	}()
	return d.Sender.Send(reqCtx, graph.Activity{
		AppExternalID: d.AppExternalID,
		Type:          b.Type,
		Topic:         job.Topic,
		WebURL:        job.WebURL,
		Preview:       job.Preview,
		Parameters:    map[string]string{"actor": job.Actor, "channel": job.Channel},
		Recipients:    b.Recipients,
	})
}

// judge decides what a failed batch does next: wait and try again, or be
// given up (a request Graph will never accept, or failing for too long).
func (w *Worker) judge(job *Job, b Batch, err error, attempt int) (time.Duration, bool) {
	now := time.Now()
	if job.FailingSince.IsZero() {
		job.FailingSince = now
	}
	var gerr *graph.Error
	permanent := graph.Classify(err) == graph.Rejected
	if permanent || now.Sub(job.FailingSince) >= w.Limits.GiveUpAfter {
		w.Log.LogError("Gave up on a Teams notification",
			"post_id", job.PostID, "recipients", len(b.Recipients), "error", err.Error(),
			"failing_for", now.Sub(job.FailingSince).Round(time.Second).String())
		w.Stats.add(func(s *Counts) { s.GaveUp += len(b.Recipients) })
		return 0, false
	}
	if errors.As(err, &gerr) && gerr.Status == 429 {
		w.Stats.add(func(s *Counts) { s.Throttled++ })
		return max(gerr.RetryAfter, time.Second) + jitter(250*time.Millisecond), true
	}
	w.Stats.add(func(s *Counts) { s.Retries++ })
	if attempt == 0 {
		w.Log.LogWarn("A Teams notification failed; retrying", "post_id", job.PostID, "error", err.Error())
	}
	return backoff(attempt, w.Limits.MaxBackoff), true
}

// backoff is exponential from 1 s, capped, with half of it random so
// that many servers do not retry in step.
func backoff(attempt int, ceiling time.Duration) time.Duration {
	d := min(time.Second<<min(attempt, 16), ceiling)
	return d/2 + jitter(d/2)
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
