package recipients

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/message"
)

// Recipient is one person to tell, and why.
type Recipient struct {
	UserID   string
	ObjectID string
	Reason   Reason
}

// Decision is who to tell about a post, and the channel it is in.
type Decision struct {
	Channel    *model.Channel
	Recipients []Recipient
}

// Resolver decides recipients. It remembers channel types so that a post
// that cannot notify anyone costs no plugin API call.
type Resolver struct {
	API    API
	Linked Linked
	// Keywords, if set, adds mentions by people's own keywords.
	Keywords Keywords
	Options  func() Options

	mu    sync.Mutex
	types map[string]model.ChannelType
}

// maxCachedChannels bounds the channel type memory.
const maxCachedChannels = 20000

// candidates collects the reasons each person may be told for.
type candidates map[string]reasons

func (c candidates) add(userID string, r Reason) { c[userID] = c[userID].with(r) }

// Resolve returns who to tell about a new post. A nil decision means
// nobody.
func (r *Resolver) Resolve(post *model.Post) (*Decision, error) {
	if r.Linked.Len() == 0 || post == nil || post.IsRemote() {
		return nil, nil
	}
	texts := postTexts(post)
	mentions := message.FindMentions(texts...)
	keywordHits := r.keywordUsers(texts)
	_, added := post.GetProp(model.PostPropsAddedUserId).(string)
	if t, ok := r.channelType(post.ChannelId); ok && t != model.ChannelTypeDirect && t != model.ChannelTypeGroup &&
		!mentions.Any() && len(keywordHits) == 0 && post.RootId == "" && !added {
		return nil, nil
	}
	ch, appErr := r.API.GetChannel(post.ChannelId)
	if appErr != nil {
		return nil, fmt.Errorf("get channel %s: %w", post.ChannelId, appErr)
	}
	r.rememberType(ch)

	run := &run{Resolver: r, post: post, ch: ch, mentions: mentions, keywordHits: keywordHits, cands: candidates{}}
	if err := run.collect(); err != nil {
		return nil, err
	}
	if post.GetProp(model.PostPropsFromWebhook) != "true" {
		delete(run.cands, post.UserId)
	}
	recipients, err := run.filter()
	if err != nil || len(recipients) == 0 {
		return nil, err
	}
	return &Decision{Channel: ch, Recipients: recipients}, nil
}

func (r *Resolver) channelType(channelID string) (model.ChannelType, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.types[channelID]
	return t, ok
}

// rememberType records a channel's type. Direct and group channels never
// become anything else, and public and private ones never become direct,
// so the memory never goes stale in a way that matters.
func (r *Resolver) rememberType(ch *model.Channel) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.types == nil || len(r.types) >= maxCachedChannels {
		r.types = map[string]model.ChannelType{}
	}
	r.types[ch.Id] = ch.Type
}

// postTexts is what Mattermost searches for mentions: the message and
// the text of its attachments.
func postTexts(post *model.Post) []string {
	texts := []string{post.Message}
	for _, a := range post.Attachments() {
		texts = append(texts, a.Pretext, a.Text)
	}
	return slices.DeleteFunc(texts, func(s string) bool { return strings.TrimSpace(s) == "" })
}

// keywordUsers are the linked people whose own keywords the texts use,
// read from memory only.
func (r *Resolver) keywordUsers(texts []string) []string {
	if r.Keywords == nil || r.Keywords.Len() == 0 {
		return nil
	}
	var out []string
	for _, w := range message.Words(texts...) {
		for _, name := range w.Names {
			if ids := r.Keywords.Lookup(name); len(ids) > 0 {
				out = append(out, ids...)
				break
			}
		}
	}
	return out
}
