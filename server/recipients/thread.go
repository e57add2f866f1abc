package recipients

import (
	"github.com/mattermost/mattermost/server/public/model"
)

// followers adds the thread's followers as Mattermost counts them: the
// root's author, everyone who replied and, with collapsed threads,
// everyone mentioned in it. Whether each wants to hear of replies is
// their own setting, checked when filtering.
func (r *run) followers() {
	for _, p := range r.thread.Posts {
		if p.DeleteAt == 0 {
			r.addLinked(p.UserId, ThreadReply)
		}
	}
	for _, w := range r.threadMentions() {
		for _, u := range r.match(w) {
			r.addLinked(u.Id, ThreadReply)
		}
	}
}

// wantsReply applies a follower's reply-notification setting: with
// collapsed threads, "push_threads" (all replies unless set to mentions
// only); otherwise the classic "comments" setting (never, threads they
// started, or threads they took part in).
func (r *run) wantsReply(u *model.User) bool {
	if r.opts.CollapsedThreads {
		return u.NotifyProps[model.PushThreadsNotifyProp] != model.UserNotifyMention
	}
	switch u.NotifyProps[model.CommentsNotifyProp] {
	case model.CommentsNotifyAny:
		return r.wrote(u.Id)
	case model.CommentsNotifyRoot:
		root := r.thread.Posts[r.post.RootId]
		return root != nil && root.UserId == u.Id
	}
	return false
}

// wrote reports whether a user wrote a post of the thread.
func (r *run) wrote(userID string) bool {
	for _, p := range r.thread.Posts {
		if p.UserId == userID && p.Id != r.post.Id {
			return true
		}
	}
	return false
}
