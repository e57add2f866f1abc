package health

import (
	"fmt"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
)

// Queue is the notification queue as the worker left it.
type Queue struct {
	notify.Status
	// Err is why the queue could not be read; the status is then empty.
	Err error
}

// QueueAgeWarning is the wait that is warned about: delivery normally
// takes seconds, so a job this old means something holds the queue.
const QueueAgeWarning = 10 * time.Minute

const queueName = "Notification queue"

func (r *run) queue() {
	q := r.in.Queue
	if q == nil {
		r.skip(IDQueue, queueName, "The queue is not running on this server.")
		return
	}
	c := Check{ID: IDQueue, Name: queueName}
	if q.Err != nil {
		c.Status, c.Detail = Warn, "The notification queue could not be read: "+q.Err.Error()
		c.Fix = "Try again; if it keeps failing, look for database errors in the server log."
		r.add(c)
		return
	}
	now := r.in.Now
	waiting := "Nothing waits"
	if q.Jobs > 0 {
		waiting = fmt.Sprintf("%s (%s) %s", plural(q.Jobs, "post waits", "posts wait"), size(q.Bytes), "to be sent")
		if !q.Oldest.IsZero() {
			waiting += ", the oldest for " + span(now.Sub(q.Oldest))
		}
	}
	limits := fmt.Sprintf("the queue keeps at most %s posts or %s, each for at most %s.", thousands(q.MaxJobs), size(q.MaxBytes), span(q.MaxAge))
	if now.Before(q.NotBefore) {
		limits += fmt.Sprintf(" The next request waits until %s, after Microsoft Graph throttled or failed one.", clock(q.NotBefore))
	}
	switch {
	case r.in.Settings.DisableNotifications:
		c.Status, c.Detail = Pass, "Activity notifications are off. "+waiting+"; "+limits
	case q.Pause != nil:
		reason, fix := PauseReason(q.Pause.Cause)
		c.Status = Warn
		c.Detail = fmt.Sprintf("Sending is paused since %s: %s. %s; they are sent once this is fixed, and %s",
			clock(q.Pause.Since), reason, waiting, limits)
		c.Fix = fix + "; sending then resumes within minutes, or at once when you run this check again."
	case q.Jobs > 0 && !q.Oldest.IsZero() && now.Sub(q.Oldest) > QueueAgeWarning:
		c.Status, c.Detail = Warn, waiting+"; "+limits
		c.Fix = "Look in the server log for failing Teams notifications, and at the other checks here."
	default:
		c.Status, c.Detail = Pass, waiting+"; "+limits
	}
	r.add(c)
}

// PauseReason says what stops every request, and what an admin does.
func PauseReason(cause graph.Cause) (reason, fix string) {
	switch cause {
	case graph.NoApp:
		return "the Teams app is not in the tenant's app catalog",
			"Upload the app package from this page in the Teams admin center under Teams apps > Manage apps"
	case graph.NoConsent:
		return "Microsoft Graph refuses the plugin for lack of admin consent",
			"Grant admin consent for " + RequiredRoles[0] + " and " + RequiredRoles[1] + " in the app registration's API permissions"
	case graph.SignInRefused:
		return "Microsoft Entra ID refuses the plugin's sign-in",
			"Correct the setting the Microsoft Graph sign-in check names and press Save"
	}
	return "Microsoft Graph refuses every request", "Look in the server log for why Teams notifications fail"
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// size is a byte count for people: 512 bytes, 3.2 KiB, 64 MiB.
func size(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// span is a duration for people: 45 seconds, 12 minutes, 6 hours, 1 hour 5 minutes.
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return plural(int64(d/time.Second), "second", "seconds")
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute", "minutes")
	}
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	if m == 0 {
		return plural(h, "hour", "hours")
	}
	return plural(h, "hour", "hours") + " " + plural(m, "minute", "minutes")
}

func clock(t time.Time) string { return t.UTC().Format("15:04 UTC, 2 January") }
