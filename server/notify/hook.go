package notify

import (
	"slices"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
	"github.com/missioncollab/mattermost-plugin-m365/server/sender"
)

// Target is where notifications go and how they name people, under the
// settings in force.
type Target struct {
	// Link is the Teams deep link a notification about a post opens;
	// Home opens the app's Mattermost tab. Both are made only when needed:
	// the hook reads the target for every post.
	Link  func(postID string) string
	Home  func() string
	Names sender.Settings
	// Hold is how long a notification waits before it is sent to those
	// who have not read the post by then.
	Hold time.Duration
	// CollapsedThreads is whether the server collapses reply threads.
	CollapsedThreads bool
}

// Hook decides, in the post hook, whom to tell about a new post and
// queues one job for it; the worker delivers.
type Hook struct {
	Resolver *recipients.Resolver
	Queue    Queue
	// Wake tells the worker a job is waiting.
	Wake  func()
	Users mmapi.Users
	Log   mmapi.Logger
	// Choice is a person's Teams notification choice; nil is everyone's
	// default.
	Choice func(userID string) attention.Choice
	// Target is where notifications go; false while they are off or not
	// set up.
	Target func() (Target, bool)
}

// Posted queues the post for whomever Mattermost would notify of it
// among the people linked to Teams.
func (h Hook) Posted(post *model.Post) {
	target, ok := h.Target()
	if !ok || h.Resolver == nil {
		return
	}
	start := time.Now()
	d, err := h.Resolver.Resolve(post)
	if err != nil {
		h.Log.LogWarn("Deciding who to notify in Teams failed", "post_id", post.Id, "error", err.Error())
		return
	}
	if d != nil && h.Choice != nil {
		d.Recipients = slices.DeleteFunc(d.Recipients, func(r recipients.Recipient) bool {
			return h.Choice(r.UserID) == attention.Off
		})
	}
	if d == nil || len(d.Recipients) == 0 {
		return
	}
	author, appErr := h.Users.GetUser(post.UserId)
	if appErr != nil {
		author = nil
	}
	job := NewJob(Post{
		Post:             post,
		Actor:            sender.Name(post, author, d.Channel.Type, target.Names),
		Channel:          channelName(d.Channel),
		WebURL:           target.Link(post.Id),
		Hold:             target.Hold,
		CollapsedThreads: target.CollapsedThreads,
	}, d)
	added, err := h.Queue.Add(job)
	if err != nil {
		h.Log.LogError("Queueing a Teams notification failed", "post_id", post.Id, "error", err.Error())
		return
	}
	if added {
		h.Wake()
		h.Log.LogDebug("Queued a Teams notification", "post_id", post.Id, "recipients", len(d.Recipients),
			"requests", len(job.Batches), "decided_in_ms", float64(time.Since(start).Microseconds())/1000)
	}
}

func channelName(ch *model.Channel) string {
	if ch.DisplayName != "" {
		return ch.DisplayName
	}
	return ch.Name
}
