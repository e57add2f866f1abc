// Package testnotify sends a person a test notification on request, from
// the System Console or /teams test, and says what happened: sent, or
// exactly why not.
package testnotify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/health"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
)

// Result is the answer to a test request.
type Result struct {
	Sent    bool   `json:"sent"`
	Message string `json:"message"`
}

// Tester sends tests through the notification queue.
type Tester struct {
	Queue notify.Queue
	// Reprobe tells the worker a job waits, and to try at once even
	// while paused: the admin may just have fixed the cause.
	Reprobe func()
	// Target is where notifications go; false while they are off or not
	// set up, and Why then says why.
	Target func() (notify.Target, bool)
	Why    func() string
	// Lookup finds the Entra object ID a person's notifications go to.
	Lookup func(userID string) (string, bool)
	// AppName is the name the test says it is from.
	AppName func() string
	// Wait is how long the answer waits for the worker; 20 s if zero.
	Wait time.Duration
}

const (
	poll = 200 * time.Millisecond
	// throttledFor is the wait Graph asks for past which the answer
	// says so rather than waiting it out.
	throttledFor = 2 * time.Second
)

// Send queues a test to userID and waits for its outcome.
func (t Tester) Send(ctx context.Context, userID string) Result {
	oid, linked := t.Lookup(userID)
	if !linked {
		return Result{Message: "No test was sent: this account is not linked to a Microsoft account of your organization. Open Mattermost in Teams once to link it, then try again."}
	}
	target, ok := t.Target()
	if !ok {
		return Result{Message: "No test was sent: " + t.Why()}
	}
	id, err := t.Queue.AddTest(userID, oid, target, t.AppName())
	switch {
	case errors.Is(err, notify.ErrTestPending):
		return Result{Message: "No test was sent: you asked for one less than a minute ago. Wait a minute, then try again."}
	case errors.Is(err, notify.ErrTooManyTests):
		return Result{Message: "No test was sent: many people are testing at once. Try again in a minute."}
	case err != nil:
		return Result{Message: "No test was sent: it could not be queued (" + err.Error() + "). Try again."}
	}
	t.Reprobe()
	wait := t.Wait
	if wait <= 0 {
		wait = 20 * time.Second
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if o, err := t.Queue.TestOutcome(id); err == nil && o != nil {
			return answer(*o)
		}
		// Graph asked the queue to wait: say so now, not after the wait.
		if st, err := t.Queue.Status(); err == nil && time.Until(st.NotBefore) > throttledFor {
			return waiting(t.Queue)
		}
		select {
		case <-ctx.Done():
			return Result{Message: "The test is queued; it arrives in Teams once its turn comes."}
		case <-time.After(poll):
		}
	}
	return waiting(t.Queue)
}

func answer(o notify.TestOutcome) Result {
	if o.Sent {
		return Result{Sent: true, Message: "Sent: Microsoft Graph accepted a test notification for you; it shows in your Teams activity feed within moments."}
	}
	switch o.Cause {
	case graph.NoApp, graph.NoConsent, graph.SignInRefused:
		reason, fix := health.PauseReason(o.Cause)
		return Result{Message: fmt.Sprintf("Not sent: %s. %s. Teams notifications are paused until then.", reason, fix)}
	case graph.Throttled:
		return Result{Message: fmt.Sprintf("Not sent: Microsoft Graph is throttling requests; try again after %s UTC.", o.RetryAfter.UTC().Format("15:04:05"))}
	case graph.Rejected:
		return Result{Message: "Not sent: Microsoft Graph refused it for you (" + o.Error + "). Most often the Teams app is not installed for you, or your account is not in the tenant."}
	}
	return Result{Message: "Not sent: " + o.Error}
}

// waiting says why a test has not gone yet.
func waiting(q notify.Queue) Result {
	st, err := q.Status()
	switch {
	case err != nil:
		return Result{Message: "The test is queued; whether it was sent could not be read."}
	case st.Pause != nil:
		reason, fix := health.PauseReason(st.Pause.Cause)
		return Result{Message: fmt.Sprintf("Not sent: Teams notifications paused because %s. %s.", reason, fix)}
	case time.Now().Before(st.NotBefore):
		return Result{Message: fmt.Sprintf("Not sent yet: Microsoft Graph is throttling requests; the test goes at %s UTC, after the wait Graph asked for.",
			st.NotBefore.UTC().Format("15:04:05"))}
	}
	return Result{Message: fmt.Sprintf("Not sent yet: the test waits in the queue behind %d posts; it arrives once its turn comes.", max(st.Jobs-1, 0))}
}
