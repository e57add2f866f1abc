package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
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
	// Hold is the hold in force: a job queued under a longer one waits no
	// longer than it.
	Hold time.Duration
	// Contents is what a notification may say when it leaves.
	Contents Contents
	// AppName and Home name the Teams app and link to it, for the
	// message to a person whose notifications Teams refuses.
	AppName, Home string
}

// Screener says, when a job's hold is over, why each of its people
// should no longer be told (attention.Told for those who should).
type Screener interface {
	Who(post attention.Post, userIDs []string) (map[string]attention.Reason, error)
}

// Locker is the cluster-wide lock only one worker holds.
type Locker interface {
	LockWithContext(ctx context.Context) error
	Unlock()
}

// Limits bound how hard and how long the worker tries.
type Limits struct {
	// PerSecond is Microsoft's limit on the bulk endpoint per tenant.
	PerSecond float64
	// GiveUpAfter is how long one batch may keep failing for reasons of
	// its own (server errors, throttling); a pause does not count.
	GiveUpAfter time.Duration
	// Probe is how often a paused worker tries again; Reprobe makes it
	// try at once.
	Probe time.Duration
	// Poll is how often an idle worker looks at the queue, for jobs other
	// servers added or a previous run left, and trims it.
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
	Probe:          5 * time.Minute,
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
	Log      mmapi.Logger
	Stats    *Stats
	Limits   Limits
	// Attention drops people who have read the post or are at work in
	// Mattermost; nil sends to everyone.
	Attention Screener
	// Now reads the post and the people again before a notification
	// leaves, and Linked says whom each is linked to then; a nil Now sends
	// what was queued.
	Now    Reader
	Linked LinkedNow
	// Tell tells a person, once, that Teams refused their notifications
	// because its app is not installed for them; nil tells nobody.
	Tell func(userID string, r Refusal, d Delivery) error

	wake    chan struct{}
	limiter *rate.Limiter
	holes   map[int64]time.Time
	// reprobe asks a paused worker to try now rather than at ProbeAt.
	reprobe atomic.Bool
	// expired and dropped sum what was thrown away, for the log.
	expired, dropped tally

	stop context.CancelFunc
	done chan struct{}
	once sync.Once
}

// Start runs the worker until Stop. A pause recorded before is probed
// at once: the plugin may have started with new settings.
func (w *Worker) Start() {
	w.wake = make(chan struct{}, 1)
	w.limiter = rate.NewLimiter(rate.Limit(w.Limits.PerSecond), 1)
	w.holes = map[int64]time.Time{}
	w.reprobe.Store(true)
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

// Reprobe asks a paused worker to try sending now rather than at its
// next probe: the settings changed, or an admin checked the connection
// after fixing what paused it.
func (w *Worker) Reprobe() {
	w.reprobe.Store(true)
	w.Wake()
}

func (w *Worker) run(ctx context.Context) {
	defer close(w.done)
	for {
		wait := min(max(w.drain(ctx), 10*time.Millisecond), w.Limits.Poll)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// inlineWait is the longest wait made holding the lock; longer ones are
// waited out without it, so that another server's worker may trim.
const inlineWait = time.Second

// drain delivers queued jobs while this server holds the lock, and
// returns how long to wait before looking again.
func (w *Worker) drain(ctx context.Context) time.Duration {
	head, tail, err := w.Queue.Bounds()
	if err != nil || (head >= tail && !w.Queue.testsWaiting()) {
		if err != nil {
			w.Log.LogWarn("Reading the notification queue failed", "error", err.Error())
		}
		return w.Limits.Poll
	}
	lockCtx, cancel := context.WithTimeout(ctx, w.Limits.Poll)
	err = w.Lock.LockWithContext(lockCtx)
	cancel()
	if err != nil {
		return w.Limits.Poll // another server is draining
	}
	defer w.Lock.Unlock()
	for ctx.Err() == nil {
		now := time.Now()
		w.trim(now)
		d, err := w.Delivery()
		if err != nil {
			return w.Limits.Poll
		}
		if wait := w.holdOff(now); wait > 0 {
			if wait > inlineWait {
				return wait
			}
			if !sleep(ctx, wait) {
				return 0
			}
			continue
		}
		// A test someone waits for goes before the queue, and its hold.
		if sent, err := w.sendTest(ctx, d); sent || err != nil {
			if err != nil {
				w.Log.LogWarn("Sending a test notification failed", "error", err.Error())
				return w.Limits.Poll
			}
			continue
		}
		wait, err := w.next(ctx, d)
		if err != nil {
			w.Log.LogWarn("Delivering notifications failed", "error", err.Error())
			return w.Limits.Poll
		}
		if wait > 0 {
			return wait
		}
	}
	return 0
}

// holdOff is how long to wait before the next request: while paused,
// until the next probe; after a 429 or a failure, until the time any
// server stored; and whatever keeps to the rate limit across servers.
func (w *Worker) holdOff(now time.Time) time.Duration {
	var wait time.Duration
	if p, err := w.Queue.pause(); err == nil && p != nil && !w.reprobe.Load() {
		wait = p.ProbeAt.Sub(now)
	}
	if nb, err := w.Queue.notBefore(); err == nil {
		wait = max(wait, nb.Sub(now))
	}
	return max(wait, w.lastRequest().Add(w.interval()).Sub(now))
}

// trim drops expired jobs, and the oldest while over the limits, and
// says so in the log at most once a minute.
func (w *Worker) trim(now time.Time) {
	t, err := w.Queue.Trim(now)
	if err != nil {
		w.Log.LogWarn("Trimming the notification queue failed", "error", err.Error())
	}
	w.expired.add(t.ExpiredJobs, t.ExpiredPeople)
	w.dropped.add(t.DroppedJobs, t.DroppedPeople)
	if t.ExpiredPeople+t.DroppedPeople > 0 {
		w.Stats.add(func(s *Counts) { s.Expired += t.ExpiredPeople; s.Dropped += t.DroppedPeople })
	}
	w.flushLog(now)
}

func (w *Worker) flushLog(now time.Time) {
	if jobs, people, ok := w.expired.flush(now); ok {
		w.Log.LogWarn("Dropped Teams notifications that waited too long",
			"posts", jobs, "people", people, "max_wait", w.Queue.maxAge().String())
	}
	if jobs, people, ok := w.dropped.flush(now); ok {
		w.Log.LogWarn("Dropped the oldest Teams notifications: the queue is full",
			"posts", jobs, "people", people, "max_posts", w.Queue.maxJobs(), "max_bytes", w.Queue.maxBytes())
	}
}

// tally sums what was thrown away between two log lines.
type tally struct {
	mu           sync.Mutex
	jobs, people int
	last         time.Time
}

// logEvery is how often thrown-away jobs are logged: once a job would
// flood the log when thousands expire together.
const logEvery = time.Minute

func (t *tally) add(jobs, people int) {
	t.mu.Lock()
	t.jobs, t.people = t.jobs+jobs, t.people+people
	t.mu.Unlock()
}

// flush returns the sums once a minute has passed since the last line.
func (t *tally) flush(now time.Time) (jobs, people int, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.jobs == 0 || now.Sub(t.last) < logEvery {
		return 0, 0, false
	}
	jobs, people = t.jobs, t.people
	t.jobs, t.people, t.last = 0, 0, now
	return jobs, people, true
}

// holeWait is how long an empty slot below the tail is waited for: its
// writer may still be storing it.
const holeWait = 30 * time.Second

// next makes the next step at the head of the queue: one Graph request,
// or passing a finished or expired job. It returns how long to wait
// before the next step, zero to go on.
func (w *Worker) next(ctx context.Context, d Delivery) (time.Duration, error) {
	head, it, wait, err := w.head()
	if it == nil || err != nil {
		return wait, err
	}
	if passed, err := w.pass(head, it); passed || err != nil {
		return 0, err
	}
	job := it.job
	if job.screenable() && (!job.Screened || time.Since(job.ScreenedAt) > recheckAfter) {
		if wait, finished, err := w.decide(head, *it.entry, job, d.Hold); wait > 0 || finished || err != nil {
			return wait, err
		}
	}
	return w.sendNext(ctx, d, head, *it.entry, job)
}

// head reads the item at the head of the queue: nil, with how long to
// wait, while there is none to work on.
func (w *Worker) head() (mark, *item, time.Duration, error) {
	head, tail, err := w.Queue.bounds()
	if err != nil || head.n >= tail.n {
		return head, nil, w.Limits.Poll, err
	}
	it, err := w.Queue.item(head.n)
	if err != nil {
		return head, nil, 0, err
	}
	if it.entry != nil {
		return head, &it, 0, nil
	}
	first, seen := w.holes[head.n]
	if !seen {
		w.holes[head.n] = time.Now()
	}
	if !seen || time.Since(first) < holeWait {
		return head, nil, w.Limits.Poll, nil
	}
	delete(w.holes, head.n)
	_, err = w.Queue.finish(head, entry{})
	return head, nil, 0, err
}

// pass finishes, without a request, a head job that is done, expired, or
// was queued before notifications were last turned back on.
func (w *Worker) pass(head mark, it *item) (bool, error) {
	job := it.job
	if job == nil || job.Done >= len(job.Batches) {
		if job == nil && !it.delivered {
			// The KV store expired it while it waited.
			w.expired.add(1, it.entry.People)
			w.Stats.add(func(s *Counts) { s.Expired += it.entry.People })
		}
		_, err := w.Queue.finish(head, *it.entry)
		return true, err
	}
	on, err := w.Queue.onSince()
	if err != nil {
		return true, err
	}
	switch {
	case job.Enqueued.Before(on):
		n := job.remaining()
		w.Stats.add(func(s *Counts) { s.Withdrawn += n })
		w.Log.LogDebug("Dropped a Teams notification queued before notifications were turned off", "post_id", job.PostID, "recipients", n)
	case time.Since(job.Enqueued) > w.Queue.maxAge():
		n := job.remaining()
		w.expired.add(1, n)
		w.Stats.add(func(s *Counts) { s.Expired += n })
	default:
		return false, nil
	}
	_, err = w.Queue.finish(head, *it.entry)
	return true, err
}

// decide waits out the job's hold, then decides it again; finished when
// nobody is left to tell.
func (w *Worker) decide(head mark, e entry, job *Job, hold time.Duration) (time.Duration, bool, error) {
	if wait := time.Until(job.holdEnds(hold)); wait > 0 {
		return wait, false, nil
	}
	if err := w.decideAgain(job, hold); err != nil {
		w.Log.LogWarn("Deciding a Teams notification again failed; it waits, telling nobody meanwhile", "post_id", job.PostID, "error", err.Error())
		return backoff(1, w.Limits.MaxBackoff), false, nil
	}
	if job.Done >= len(job.Batches) {
		_, err := w.Queue.finish(head, e)
		return 0, true, err
	}
	w.save(job)
	return 0, false, nil
}

// sendNext makes the job's next Graph request, within the rate, and
// records what became of it.
func (w *Worker) sendNext(ctx context.Context, d Delivery, head mark, e entry, job *Job) (time.Duration, error) {
	if err := w.limiter.Wait(ctx); err != nil {
		return 0, nil // stopping
	}
	w.reprobe.Store(false)
	b := job.Batches[job.Done]
	err := w.send(ctx, d, job, b)
	now := time.Now()
	if err != nil {
		return w.failed(now, d, head, e, job, b, err)
	}
	job.Done++
	job.FailingSince, job.Attempts = time.Time{}, 0
	w.Stats.add(func(s *Counts) { s.Requests++; s.Delivered += len(b.Recipients) })
	w.Log.LogDebug("Sent a Teams notification", "post_id", job.PostID, "activity_type", b.Type, "recipients", len(b.Recipients))
	w.resume(now)
	return 0, w.progress(head, e, job)
}

// recheckAfter is how long a decision stays good: a request that leaves
// later (after waiting out throttling or retries, or behind the earlier
// batches of a large job) decides again first, since people read the
// post, and posts and links change, meanwhile.
const recheckAfter = 5 * time.Second

// decideAgain makes, when the hold is over and before any later send,
// the decision the hook made again from what is true now: the post and
// the people (recheck), then who still needs telling (screen). Either
// failing, nothing leaves; the job is decided again next time.
func (w *Worker) decideAgain(job *Job, hold time.Duration) error {
	if err := w.leaveOutRefused(job); err != nil {
		return err
	}
	if err := w.recheck(job); err != nil {
		return err
	}
	if err := w.screen(job, hold); err != nil {
		return err
	}
	job.Screened, job.ScreenedAt = true, time.Now()
	return nil
}

// screen drops everyone the job should no longer reach. It fails closed:
// when the check cannot be made, nobody is told from an older one.
func (w *Worker) screen(job *Job, hold time.Duration) error {
	if w.Attention == nil || job.Done >= len(job.Batches) {
		return nil
	}
	var users []string
	for _, b := range job.Batches[job.Done:] {
		users = append(users, b.Users...)
	}
	why, err := w.Attention.Who(attention.Post{ChannelID: job.ChannelID, CreateAt: job.PostAt, CollapsedReply: job.CollapsedReply}, users)
	if err != nil {
		return fmt.Errorf("check who has read post %s: %w", job.PostID, err)
	}
	later, told, err := w.laterOfChain(job)
	if err != nil {
		return err
	}
	spared, replaced := 0, 0
	kept := regroup(job.Batches[job.Done:], func(userID, _, activityType string) bool {
		switch {
		case why[userID] != attention.Told:
			spared++
		case told[userID] >= recipients.RankOf(activityType) && told[userID] > 0:
			replaced++
		default:
			return true
		}
		return false
	})
	job.Batches = append(job.Batches[:job.Done], kept...)
	if replaced > 0 {
		w.bringForward(later, job.holdEnds(hold))
	}
	if spared+replaced > 0 {
		w.Stats.add(func(s *Counts) { s.Spared += spared; s.Replaced += replaced })
		w.Log.LogDebug("Spared people a Teams notification they no longer need", "post_id", job.PostID,
			"spared", spared, "replaced", replaced)
	}
	return nil
}

// laterOfChain is the latest post of the job's conversation still
// waiting, and whom it will tell with which rank: Teams replaces a
// conversation's feed item with the next one, so whoever that post tells,
// for a reason at least as strong, is not told of this one. However old
// this job is: a backlog of one thread becomes one feed item. Not when
// the later post is failing, which would lose the news.
func (w *Worker) laterOfChain(job *Job) (*Job, map[string]int, error) {
	told := map[string]int{}
	later, err := w.Queue.supersededBy(job)
	if err != nil {
		return nil, nil, fmt.Errorf("read the latest post of the conversation of post %s: %w", job.PostID, err)
	}
	if later == nil || !later.FailingSince.IsZero() {
		return nil, told, nil
	}
	for _, b := range later.Batches[later.Done:] {
		for _, u := range b.Users {
			told[u] = max(told[u], recipients.RankOf(b.Type))
		}
	}
	return later, told, nil
}

// bringForward ends the later post's hold no later than the replaced
// one's: merging must not push a conversation's news back, or a busy
// thread would notify nobody.
func (w *Worker) bringForward(later *Job, due time.Time) {
	if later == nil || !later.Due.After(due) {
		return
	}
	later.Due = due
	w.save(later)
}

// progress records a job's progress, or finishes it.
func (w *Worker) progress(head mark, e entry, job *Job) error {
	if job.Done >= len(job.Batches) {
		_, err := w.Queue.finish(head, e)
		return err
	}
	w.save(job)
	return nil
}

// failed decides what a failed batch does next, by what Graph's answer
// means: pause everything, give the batch up, or wait and try it again.
func (w *Worker) failed(now time.Time, d Delivery, head mark, e entry, job *Job, b Batch, err error) (time.Duration, error) {
	cause := graph.Classify(err)
	if cause.EveryRequest() {
		w.pauseFor(now, cause, err)
		// Not the batch's fault: its time to give up starts afresh. Who
		// still needs telling is decided again once sending resumes.
		job.FailingSince, job.Attempts = time.Time{}, 0
		job.Screened = false
		w.save(job)
		return w.Limits.Poll, nil
	}
	if cause == graph.Rejected {
		// Graph answered about this batch itself: whatever paused the
		// queue is gone.
		w.resume(now)
		if gerr, ok := aboutRecipients(err); ok {
			return 0, w.isolate(now, d, head, e, job, b, gerr)
		}
		return 0, w.giveUp(now, head, e, job, b, err)
	}
	if job.FailingSince.IsZero() {
		job.FailingSince = now
	}
	if now.Sub(job.FailingSince) >= w.Limits.GiveUpAfter {
		return 0, w.giveUp(now, head, e, job, b, err)
	}
	var wait time.Duration
	var gerr *graph.Error
	if cause == graph.Throttled && errors.As(err, &gerr) {
		wait = max(gerr.RetryAfter, time.Second) + jitter(250*time.Millisecond)
		w.Stats.add(func(s *Counts) { s.Throttled++ })
	} else {
		wait = backoff(job.Attempts, w.Limits.MaxBackoff)
		w.Stats.add(func(s *Counts) { s.Retries++ })
		if job.Attempts == 0 {
			w.Log.LogWarn("A Teams notification failed; retrying", "post_id", job.PostID, "error", err.Error())
		}
	}
	job.Attempts++
	// Stored, so that every server's worker, and this one after a
	// restart, waits too.
	if err := w.Queue.setNotBefore(now.Add(wait)); err != nil {
		w.Log.LogWarn("Storing when to try again failed", "error", err.Error())
	}
	w.save(job)
	return wait, nil
}

// isolate finds whom a refusal of several people was about, so that it
// costs only them: the batch is split and each part sent on its own; a
// refused batch of one is that person's refusal.
func (w *Worker) isolate(now time.Time, d Delivery, head mark, e entry, job *Job, b Batch, gerr *graph.Error) error {
	job.FailingSince, job.Attempts = time.Time{}, 0
	if len(b.Recipients) > 1 {
		first, rest := split(b, gerr.Message)
		job.Batches = slices.Concat(job.Batches[:job.Done], []Batch{first, rest}, job.Batches[job.Done+1:])
		w.Log.LogDebug("Teams refused a notification for some of its recipients; sending to the rest", "post_id", job.PostID,
			"recipients", len(b.Recipients), "status", gerr.Status)
		return w.progress(head, e, job)
	}
	w.refuse(now, d, job, b, gerr)
	job.Done++
	return w.progress(head, e, job)
}

// refuse records that Graph refused the one person of b, leaves them out
// until RetryRefusedAfter, and tells them once when they can fix it.
func (w *Worker) refuse(now time.Time, d Delivery, job *Job, b Batch, gerr *graph.Error) {
	w.Stats.add(func(s *Counts) { s.Refused++ })
	w.Log.LogWarn("Teams refused a notification for one person; they are left out for a day or until they open the app",
		"post_id", job.PostID, "user_id", first(b.Users), "object_id", b.Recipients[0], "status", gerr.Status, "error", cutReason(gerr.Message))
	if len(b.Users) != 1 {
		return
	}
	refusals := Refusals{KV: w.Queue.KV}
	ref, err := refusals.add(b.Users[0], Refusal{ObjectID: b.Recipients[0], At: now, Status: gerr.Status,
		Reason: gerr.Message, RetryAt: now.Add(RetryRefusedAfter)})
	if err != nil {
		w.Log.LogWarn("Recording a refused recipient failed", "user_id", b.Users[0], "error", err.Error())
		return
	}
	// Told only when Graph's answer names the person: a refusal of
	// everyone (a tenant policy, say) must not message everyone.
	if w.Tell == nil || !ref.AppMissing() || !ref.Told.IsZero() || !names(gerr.Message, b.Recipients[0]) {
		return
	}
	if err := w.Tell(b.Users[0], ref, d); err != nil {
		w.Log.LogWarn("Telling a person that Teams refused their notifications failed", "user_id", b.Users[0], "error", err.Error())
		return
	}
	if err := refusals.markTold(b.Users[0], now); err != nil {
		w.Log.LogWarn("Recording that a refused person was told failed", "user_id", b.Users[0], "error", err.Error())
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func (w *Worker) giveUp(now time.Time, head mark, e entry, job *Job, b Batch, err error) error {
	failingFor := time.Duration(0)
	if !job.FailingSince.IsZero() {
		failingFor = now.Sub(job.FailingSince)
	}
	w.Log.LogError("Gave up on a Teams notification",
		"post_id", job.PostID, "recipients", len(b.Recipients), "error", err.Error(),
		"failing_for", failingFor.Round(time.Second).String())
	w.Stats.add(func(s *Counts) { s.GaveUp += len(b.Recipients) })
	job.Done++
	job.FailingSince, job.Attempts = time.Time{}, 0
	return w.progress(head, e, job)
}

// pauseFor stops sending until cause is gone, trying again every Probe.
func (w *Worker) pauseFor(now time.Time, cause graph.Cause, err error) {
	p := &Pause{Cause: cause, Error: err.Error(), Since: now, ProbeAt: now.Add(w.Limits.Probe)}
	old, _ := w.Queue.pause()
	if old != nil && old.Cause == cause {
		p.Since = old.Since
	} else {
		w.Log.LogWarn("Teams notifications are paused; they resume by themselves once this is fixed",
			"cause", cause.String(), "error", err.Error(), "next_try_in", w.Limits.Probe.String())
	}
	if err := w.Queue.setPause(p); err != nil {
		w.Log.LogWarn("Recording the pause of Teams notifications failed", "error", err.Error())
	}
}

func (w *Worker) resume(now time.Time) {
	p, err := w.Queue.pause()
	if err != nil || p == nil {
		return
	}
	if err := w.Queue.setPause(nil); err != nil {
		w.Log.LogWarn("Recording the end of a pause failed", "error", err.Error())
		return
	}
	w.Log.LogInfo("Teams notifications resumed", "cause", p.Cause.String(),
		"paused_for", now.Sub(p.Since).Round(time.Second).String())
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
	topic, preview, author, channel := d.Contents.told(job)
	return d.Sender.Send(reqCtx, graph.Activity{
		AppExternalID: d.AppExternalID,
		Type:          b.Type,
		Topic:         topic,
		WebURL:        job.WebURL,
		Preview:       preview,
		// Not "actor": Teams reserves it for the sender, which in an
		// app-only call is the Teams app's own name.
		Parameters: map[string]string{"author": author, "channel": channel},
		Recipients: b.Recipients,
		ChainID:    job.Chain,
	})
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
