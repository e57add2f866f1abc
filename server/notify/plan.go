package notify

import (
	"hash/fnv"
	"slices"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/message"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
)

// previewLimit is Graph's limit on preview text.
const previewLimit = 150

// Post is what a notification says about a post.
type Post struct {
	Post *model.Post
	// Channel is the channel's name as the reader knows it.
	Channel string
	// Actor is the author's name as the server displays names.
	Actor  string
	WebURL string
	// Hold is how long the notification waits, so that a person who
	// reads the post in Mattermost meanwhile is not told in Teams.
	Hold time.Duration
	// CollapsedThreads is whether the server collapses reply threads.
	CollapsedThreads bool
}

// NewJob plans the delivery of a decision: one batch per activity type
// and 100 people, the strongest reasons first.
func NewJob(p Post, d *recipients.Decision) *Job {
	now := time.Now()
	job := &Job{
		PostID:    p.Post.Id,
		Topic:     topic(d.Channel, p.Channel),
		WebURL:    p.WebURL,
		Preview:   preview(p.Post),
		Actor:     p.Actor,
		Channel:   p.Channel,
		Enqueued:  now,
		Chain:     Chain(p.Post, d.Channel),
		ChannelID: d.Channel.Id,
		PostAt:    p.Post.CreateAt,
		// A reply in a collapsed thread is read in the thread, which the
		// channel's read state does not show.
		CollapsedReply: p.CollapsedThreads && p.Post.RootId != "",
		Due:            now.Add(max(p.Hold, 0)),
	}
	job.Batches = plan(d.Recipients)
	return job
}

// plan makes one batch per activity type and 100 people, the strongest
// reasons first.
func plan(people []recipients.Recipient) []Batch {
	byReason := map[recipients.Reason][]recipients.Recipient{}
	for _, r := range people {
		byReason[r.Reason] = append(byReason[r.Reason], r)
	}
	var batches []Batch
	for reason := recipients.DirectMessage; reason > recipients.None; reason-- {
		for chunk := range slices.Chunk(byReason[reason], graph.MaxRecipients) {
			b := Batch{Type: reason.ActivityType()}
			for _, r := range chunk {
				b.Recipients = append(b.Recipients, r.ObjectID)
				b.Users = append(b.Users, r.UserID)
			}
			batches = append(batches, b)
		}
	}
	return batches
}

// Chain is the Graph chainId of the conversation a post is in: its
// thread in a channel, the whole conversation in a direct or group
// message. Teams shows a person one feed item per chain, the latest, so
// a busy thread is one item rather than one per post. The ID is a hash
// kept within 53 bits, which every JSON reader holds exactly, and never
// zero, which would send none.
func Chain(post *model.Post, ch *model.Channel) int64 {
	key := "thread:" + post.Id
	switch {
	case ch.Type == model.ChannelTypeDirect || ch.Type == model.ChannelTypeGroup:
		key = "channel:" + ch.Id
	case post.RootId != "":
		key = "thread:" + post.RootId
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return max(int64(h.Sum64()&(1<<53-1)), 1)
}

// regroup keeps the people of batches that keep says to, in batches of
// up to 100 of one activity type, in the order the types came. The parts
// of a refused batch stay apart, first, until Graph has answered each.
func regroup(batches []Batch, keep func(userID, objectID, activityType string) bool) []Batch {
	type person struct{ oid, user string }
	var types []string
	byType := map[string][]person{}
	var apart []Batch
	for _, b := range batches {
		if b.Apart {
			if kept := b.keeping(keep); len(kept.Recipients) > 0 {
				apart = append(apart, kept)
			}
			continue
		}
		if _, seen := byType[b.Type]; !seen {
			types = append(types, b.Type)
			byType[b.Type] = nil
		}
		for i, oid := range b.Recipients {
			if keep(b.Users[i], oid, b.Type) {
				byType[b.Type] = append(byType[b.Type], person{oid, b.Users[i]})
			}
		}
	}
	out := apart
	for _, t := range types {
		for chunk := range slices.Chunk(byType[t], graph.MaxRecipients) {
			b := Batch{Type: t}
			for _, p := range chunk {
				b.Recipients = append(b.Recipients, p.oid)
				b.Users = append(b.Users, p.user)
			}
			out = append(out, b)
		}
	}
	return out
}

func (b Batch) keeping(keep func(userID, objectID, activityType string) bool) Batch {
	out := Batch{Type: b.Type, Apart: b.Apart}
	for i, oid := range b.Recipients {
		if keep(b.Users[i], oid, b.Type) {
			out.Recipients = append(out.Recipients, oid)
			out.Users = append(out.Users, b.Users[i])
		}
	}
	return out
}

// screenable reports whether the job knows enough to be screened: its
// channel, and the Mattermost ID of every recipient still to be told.
func (job *Job) screenable() bool {
	if job.ChannelID == "" {
		return false
	}
	for _, b := range job.Batches[min(max(job.Done, 0), len(job.Batches)):] {
		if len(b.Users) != len(b.Recipients) {
			return false
		}
	}
	return true
}

func topic(ch *model.Channel, name string) string {
	switch ch.Type {
	case model.ChannelTypeDirect:
		return "Direct message"
	case model.ChannelTypeGroup:
		return "Group message"
	}
	return name
}

// preview is the post's text without markdown, or what it carries when
// it has no text.
func preview(post *model.Post) string {
	if text := message.Preview(post.Message, previewLimit); text != "" {
		return text
	}
	for _, a := range post.Attachments() {
		for _, s := range []string{a.Fallback, a.Pretext, a.Title, a.Text} {
			if text := message.Preview(s, previewLimit); text != "" {
				return text
			}
		}
	}
	if len(post.FileIds) > 0 {
		return "Sent a file"
	}
	return "New message"
}
