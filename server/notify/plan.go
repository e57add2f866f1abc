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
}

// NewJob plans the delivery of a decision: one batch per activity type
// and 100 people, the strongest reasons first.
func NewJob(p Post, d *recipients.Decision) *Job {
	job := &Job{
		PostID:   p.Post.Id,
		Topic:    topic(d.Channel, p.Channel),
		WebURL:   p.WebURL,
		Preview:  preview(p.Post),
		Actor:    p.Actor,
		Channel:  p.Channel,
		Enqueued: time.Now(),
		Chain:    Chain(p.Post, d.Channel),
	}
	byReason := map[recipients.Reason][]string{}
	for _, r := range d.Recipients {
		byReason[r.Reason] = append(byReason[r.Reason], r.ObjectID)
	}
	for reason := recipients.DirectMessage; reason > recipients.None; reason-- {
		for chunk := range slices.Chunk(byReason[reason], graph.MaxRecipients) {
			job.Batches = append(job.Batches, Batch{Type: reason.ActivityType(), Recipients: chunk})
		}
	}
	return job
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
