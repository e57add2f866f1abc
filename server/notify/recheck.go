package notify

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// Reader reads, when a notification is about to leave, what it was
// decided from: the post and the people, as they are now.
type Reader interface {
	GetPost(postID string) (*model.Post, *model.AppError)
	GetUsersByIds(userIDs []string) ([]*model.User, *model.AppError)
}

// LinkedNow is the Entra identity an account is told at now, if its link
// still stands for the account as it is (a *linkindex.Live).
type LinkedNow interface {
	InForceFor(u *model.User) (objectID string, ok bool)
}

// usersPerRead is how many accounts one read asks for: a 10,000-member
// @channel costs ten.
const usersPerRead = 1000

// recheck keeps of a job only what Mattermost would show each person
// now: nothing of a post deleted since, the text of an edited post as it
// reads now, and nobody deactivated, or no longer linked to the identity
// the job names (unlinked, or linked since to another). It fails closed:
// when the post or the people cannot be read, it says so and the job
// waits, for nothing may leave on what was true when it was queued.
func (w *Worker) recheck(job *Job) error {
	if w.Now == nil {
		return nil
	}
	post, appErr := w.Now.GetPost(job.PostID)
	if (appErr != nil && appErr.StatusCode == http.StatusNotFound) || (appErr == nil && post.DeleteAt != 0) {
		n := job.remaining()
		job.Batches = job.Batches[:job.Done]
		w.Stats.add(func(s *Counts) { s.Withdrawn += n })
		w.Log.LogDebug("Dropped a Teams notification: its post was deleted", "post_id", job.PostID, "recipients", n)
		return nil
	}
	if appErr != nil {
		return fmt.Errorf("read post %s again: %w", job.PostID, appErr)
	}
	job.Preview = preview(post)
	users, err := w.usersNow(job)
	if err != nil {
		return err
	}
	gone := 0
	kept := regroup(job.Batches[job.Done:], func(userID, objectID, _ string) bool {
		if w.stillTold(users[userID], objectID) {
			return true
		}
		gone++
		return false
	})
	job.Batches = append(job.Batches[:job.Done], kept...)
	if gone > 0 {
		w.Stats.add(func(s *Counts) { s.Withdrawn += gone })
		w.Log.LogDebug("Dropped people from a Teams notification: deactivated or no longer linked", "post_id", job.PostID, "recipients", gone)
	}
	return nil
}

// stillTold reports whether an account may still be told at objectID:
// it exists, is active, and its link in force names that identity.
func (w *Worker) stillTold(u *model.User, objectID string) bool {
	if u == nil || u.DeleteAt != 0 {
		return false
	}
	if w.Linked == nil {
		return true
	}
	oid, ok := w.Linked.InForceFor(u)
	return ok && strings.EqualFold(oid, objectID)
}

// usersNow reads everyone the job still has to tell, a thousand a call.
func (w *Worker) usersNow(job *Job) (map[string]*model.User, error) {
	var ids []string
	for _, b := range job.Batches[job.Done:] {
		ids = append(ids, b.Users...)
	}
	out := make(map[string]*model.User, len(ids))
	for start := 0; start < len(ids); start += usersPerRead {
		users, appErr := w.Now.GetUsersByIds(ids[start:min(start+usersPerRead, len(ids))])
		if appErr != nil {
			return nil, fmt.Errorf("read the people of post %s again: %w", job.PostID, appErr)
		}
		for _, u := range users {
			out[u.Id] = u
		}
	}
	return out, nil
}
