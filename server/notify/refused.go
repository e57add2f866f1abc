package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// Refusal is why Graph refused to notify one person: kept so that the
// person is not tried again blindly with everyone else, and shown with
// their link.
type Refusal struct {
	// ObjectID is the Entra identity Graph refused; a link to another
	// identity is not refused.
	ObjectID string    `json:"oid"`
	At       time.Time `json:"at"`
	Status   int       `json:"status"`
	// Reason is Graph's message, cut to maxReasonBytes.
	Reason string `json:"reason"`
	// RetryAt is when the person is tried again, as the app may have
	// been installed again meanwhile without the plugin hearing of it.
	RetryAt time.Time `json:"retry_at"`
	// Told is when the person was told in Mattermost how to get their
	// notifications back; once, however often Graph refuses.
	Told time.Time `json:"told,omitzero"`
}

// AppMissing reports whether Graph refused because the Teams app is not
// installed for the person (403), which they can fix themselves; a 404
// means Entra does not know them.
func (r Refusal) AppMissing() bool { return r.Status == http.StatusForbidden }

// Limits of the refusal list, which is read whole once per decision.
const (
	// RetryRefusedAfter is how long a refused person is left out.
	RetryRefusedAfter = 24 * time.Hour
	// maxRefusals caps the list; the oldest refusals go first.
	maxRefusals    = 2000
	maxReasonBytes = 300
	refusedKey     = "nq_refused"
)

// Refusals is the list of refused people in the KV store, by Mattermost
// user ID. The worker adds to it; a sign-in from the Teams app, or the
// app installed for the person, takes them off it.
type Refusals struct {
	KV mmapi.KV
}

// All reads the list.
func (r Refusals) All() (map[string]Refusal, error) {
	all, _, err := r.read()
	return all, err
}

// Of is the person's refusal, if any.
func (r Refusals) Of(userID string) (*Refusal, error) {
	all, err := r.All()
	if err != nil {
		return nil, err
	}
	if ref, ok := all[userID]; ok {
		return &ref, nil
	}
	return nil, nil
}

// Clear takes the person off the list: the Teams app is there for them.
func (r Refusals) Clear(userID string) error {
	return r.change(func(all map[string]Refusal) bool {
		if _, ok := all[userID]; !ok {
			return false
		}
		delete(all, userID)
		return true
	})
}

// add records Graph's refusal of the person, and returns the refusal as
// kept: an earlier Told survives.
func (r Refusals) add(userID string, ref Refusal) (Refusal, error) {
	ref.Reason = cutReason(ref.Reason)
	err := r.change(func(all map[string]Refusal) bool {
		if old, ok := all[userID]; ok && strings.EqualFold(old.ObjectID, ref.ObjectID) {
			ref.Told = old.Told
		}
		all[userID] = ref
		dropOldest(all, maxRefusals)
		return true
	})
	return ref, err
}

// markTold records that the person was told in Mattermost.
func (r Refusals) markTold(userID string, at time.Time) error {
	return r.change(func(all map[string]Refusal) bool {
		ref, ok := all[userID]
		if !ok {
			return false
		}
		ref.Told = at
		all[userID] = ref
		return true
	})
}

func (r Refusals) read() (map[string]Refusal, []byte, error) {
	data, appErr := r.KV.KVGet(refusedKey)
	if appErr != nil {
		return nil, nil, fmt.Errorf("read refused recipients: %w", appErr)
	}
	all := map[string]Refusal{}
	if data != nil {
		if err := json.Unmarshal(data, &all); err != nil {
			return nil, nil, fmt.Errorf("decode refused recipients: %w", err)
		}
	}
	return all, data, nil
}

// change applies edit by compare-and-set, as every server's sign-in may
// take people off the list while the worker adds to it.
func (r Refusals) change(edit func(map[string]Refusal) bool) error {
	for range 20 {
		all, old, err := r.read()
		if err != nil {
			return err
		}
		if !edit(all) {
			return nil
		}
		var data []byte
		if len(all) > 0 {
			if data, err = json.Marshal(all); err != nil {
				return fmt.Errorf("encode refused recipients: %w", err)
			}
		}
		ok, appErr := r.KV.KVSetWithOptions(refusedKey, data, model.PluginKVSetOptions{Atomic: true, OldValue: old})
		if appErr != nil {
			return fmt.Errorf("store refused recipients: %w", appErr)
		}
		if ok {
			return nil
		}
	}
	return errors.New("store refused recipients: the list kept changing")
}

func dropOldest(all map[string]Refusal, keep int) {
	for len(all) > keep {
		oldest := ""
		for id, ref := range all {
			if oldest == "" || ref.At.Before(all[oldest].At) {
				oldest = id
			}
		}
		delete(all, oldest)
	}
}

// refusedNow is whether the person, at the identity the job names, is
// still left out.
func refusedNow(all map[string]Refusal, userID, objectID string, now time.Time) bool {
	ref, ok := all[userID]
	return ok && strings.EqualFold(ref.ObjectID, objectID) && now.Before(ref.RetryAt)
}

// aboutRecipients reports whether Graph's refusal of a whole request may
// be about some of its recipients (the Teams app missing for them, or a
// person Entra does not know), so that the rest may still be told.
func aboutRecipients(err error) (*graph.Error, bool) {
	var gerr *graph.Error
	if graph.Classify(err) != graph.Rejected || !errors.As(err, &gerr) {
		return nil, false
	}
	return gerr, gerr.Status == http.StatusForbidden || gerr.Status == http.StatusNotFound
}

// split divides a refused batch of several people to find whom the
// refusal is about. Graph documents no answer per recipient, but its
// message names one; that person goes alone and the rest together, which
// costs two requests for one refused person among a hundred. Without a
// name, the batch is halved.
func split(b Batch, message string) (Batch, Batch) {
	cut := len(b.Recipients) / 2
	if i := slices.IndexFunc(b.Recipients, func(oid string) bool { return names(message, oid) }); i >= 0 {
		b = moveToFront(b, i)
		cut = 1
	}
	return b.part(0, cut), b.part(cut, len(b.Recipients))
}

func moveToFront(b Batch, i int) Batch {
	out := Batch{Type: b.Type}
	out.Recipients = append([]string{b.Recipients[i]}, slices.Delete(slices.Clone(b.Recipients), i, i+1)...)
	if len(b.Users) == len(b.Recipients) {
		out.Users = append([]string{b.Users[i]}, slices.Delete(slices.Clone(b.Users), i, i+1)...)
	}
	return out
}

func (b Batch) part(from, to int) Batch {
	out := Batch{Type: b.Type, Recipients: slices.Clone(b.Recipients[from:to]), Apart: true}
	if len(b.Users) == len(b.Recipients) {
		out.Users = slices.Clone(b.Users[from:to])
	}
	return out
}

// cutReason bounds what of Graph's message is stored and shown.
func cutReason(s string) string {
	if len(s) <= maxReasonBytes {
		return s
	}
	return strings.ToValidUTF8(s[:maxReasonBytes], "") + "…"
}

// leaveOutRefused drops from the job whoever Graph refused at the same
// identity within RetryRefusedAfter: trying them again would only be
// refused, at the cost of a split and a request.
func (w *Worker) leaveOutRefused(job *Job) error {
	all, err := Refusals{KV: w.Queue.KV}.All()
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return nil
	}
	now, left := time.Now(), 0
	kept := regroup(job.Batches[job.Done:], func(userID, objectID, _ string) bool {
		if refusedNow(all, userID, objectID, now) {
			left++
			return false
		}
		return true
	})
	job.Batches = append(job.Batches[:job.Done], kept...)
	if left > 0 {
		w.Stats.add(func(s *Counts) { s.Withdrawn += left })
	}
	return nil
}

// names reports whether Graph's message names the recipient objectID.
func names(message, objectID string) bool {
	return objectID != "" && strings.Contains(strings.ToLower(message), strings.ToLower(objectID))
}
