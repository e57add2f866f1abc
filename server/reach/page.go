package reach

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"golang.org/x/time/rate"

	"github.com/missioncollab/mattermost-plugin-m365/server/account"
	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
)

// Reasons an account is passed over without asking Graph.
const (
	skipRemoved   = "the person removed their notification link"
	skipChoiceOff = "the person turned Teams notifications off"
	skipTaken     = "the Microsoft account is linked to another Mattermost account"
	skipChanged   = "the account changed since it was linked (email, role or state); it is not notified until it signs in"
)

// Retries within a run: Graph's 429s are waited out up to maxThrottled
// times for one request, other failures of a whole batch are tried
// maxAttempts times with backoff before the run stops.
const (
	maxThrottled = 20
	maxAttempts  = 5
)

type worker struct {
	job       *Job
	target    Target
	catalogID string
	lookups   *rate.Limiter
	installs  *rate.Limiter
	// freshToken is set once a refusal for missing consent was met with
	// a new token: consent granted since the token was issued shows only
	// in a new one, which the client fetches after such a refusal.
	freshToken bool
}

// page links the accounts of one page it can and installs the app for
// them, writing the page's chunk once. A page done again after a
// restart finds its chunk and keeps what it holds.
func (w *worker) page(ctx context.Context, run *Run, users []*model.User, links linkindex.Links, owners map[string]string) error {
	store := kvstore.NotifyLinks{KV: w.job.API}
	key := kvstore.NotifyChunkKey(run.ID, run.Page)
	chunk, err := store.Get(key)
	if err != nil {
		return err
	}
	if chunk == nil {
		chunk = &kvstore.NotifyChunk{Key: key, TenantID: w.target.TenantID}
	}
	made := len(chunk.Links)
	sorted := w.sort(run, chunk, users, links, owners)
	if err := w.reprove(ctx, run, sorted.reprove, links); err != nil {
		return err
	}
	if err := w.linkByEmail(ctx, run, chunk, owners, sorted.byEmail); err != nil {
		return err
	}
	if len(chunk.Links) == 0 {
		return nil
	}
	if err := w.install(ctx, run, chunk.Links, sorted.names); err != nil {
		return err
	}
	for _, l := range chunk.Links {
		run.linked(l.Rule)
		links.Notify[l.UserID] = linkindex.NotifyEntry{NotifyLink: l, Chunk: chunk.Key}
	}
	if err := store.Put(*chunk); err != nil {
		return err
	}
	w.job.Links.NotifyChunkStored(*chunk)
	w.logMade(chunk.Links[made:])
	return nil
}

// sortedPage is what a page's accounts need next: a directory lookup of
// their email, or of the email a link of theirs was made from and no
// longer holds by, and their usernames, for the run's examples.
type sortedPage struct {
	byEmail []*model.User
	reprove []*model.User
	names   map[string]string
}

// sort decides each account of a page without asking Graph: linked
// already, skipped with a reason, linked by its Entra object ID into the
// chunk, or to be asked about by email.
func (w *worker) sort(run *Run, chunk *kvstore.NotifyChunk, users []*model.User, links linkindex.Links, owners map[string]string) sortedPage {
	now := w.job.now().UnixMilli()
	// A page shares a handful of role sets: each is asked about once.
	grants := account.GrantCache{Ask: w.job.API.RolesGrantPermission}
	out := sortedPage{names: map[string]string{}}
	for _, u := range users {
		run.Accounts++
		out.names[u.Id] = u.Username
		if chunk.Find(u.Id) != nil {
			continue // made by this page before a restart
		}
		if _, ok := links.SignIn[u.Id]; ok {
			run.AlreadyLinked++
			continue
		}
		if e, ok := links.Notify[u.Id]; ok {
			switch {
			case e.Removed != 0:
				run.skip(skipRemoved, u.Username)
			case NotifyLinkHolds(e.NotifyLink, u, grants.Grants):
				run.AlreadyLinked++
			case e.Rule == kvstore.RuleNotifyDirectory && PlanFor(u, grants.Grants).Email != "":
				// Its email changed, or the link kept none: the directory
				// is asked again about the address the account has now.
				out.reprove = append(out.reprove, u)
			default:
				run.skip(skipChanged, u.Username)
			}
			continue
		}
		plan := PlanFor(u, grants.Grants)
		switch {
		case plan.Skip != "":
			run.skip(plan.Skip, u.Username)
		case w.job.Links.Choice(u.Id) == attention.Off:
			run.skip(skipChoiceOff, u.Username)
		case plan.ObjectID != "":
			w.add(run, chunk, owners, u, kvstore.NotifyLink{ObjectID: plan.ObjectID, Rule: kvstore.RuleNotifyAuthData, At: now})
		default:
			out.byEmail = append(out.byEmail, u)
		}
	}
	return out
}

// linkByEmail asks the directory about each account's email and links
// the ones it names exactly one member for.
func (w *worker) linkByEmail(ctx context.Context, run *Run, chunk *kvstore.NotifyChunk, owners map[string]string, users []*model.User) error {
	emails := emailsOf(users)
	found, err := w.lookUp(ctx, emails)
	if err != nil {
		return err
	}
	now := w.job.now().UnixMilli()
	for i, u := range users {
		oid, skip := Choose(emails[i], found[i])
		switch {
		case found[i].Err != nil:
			run.fail(skip, u.Username)
		case skip != "":
			run.skip(skip, u.Username)
		default:
			w.add(run, chunk, owners, u, kvstore.NotifyLink{ObjectID: oid, Rule: kvstore.RuleNotifyDirectory, Email: emails[i], At: now})
		}
	}
	return nil
}

// reprove asks the directory again about accounts whose directory link no
// longer holds by its email. Where the directory still names the linked
// person for the address the account has now, the link records that
// address and holds again; otherwise it stays out of force.
func (w *worker) reprove(ctx context.Context, run *Run, users []*model.User, links linkindex.Links) error {
	emails := emailsOf(users)
	found, err := w.lookUp(ctx, emails)
	if err != nil {
		return err
	}
	store := kvstore.NotifyLinks{KV: w.job.API}
	for i, u := range users {
		e := links.Notify[u.Id]
		if oid, _ := Choose(emails[i], found[i]); oid == "" || oid != e.ObjectID {
			run.skip(skipChanged, u.Username)
			continue
		}
		c, err := store.Update(e.Chunk, func(c *kvstore.NotifyChunk) bool {
			l := c.Find(u.Id)
			if l == nil || l.Removed != 0 || l.Email == emails[i] {
				return false
			}
			l.Email = emails[i]
			return true
		})
		if err != nil {
			return err
		}
		if c != nil {
			w.job.Links.NotifyChunkStored(*c)
			e.Email = emails[i]
			links.Notify[u.Id] = e
		}
		run.AlreadyLinked++
		w.job.API.LogInfo("Proved a notification link again by the account's email", "user_id", u.Id, "entra_object_id", e.ObjectID,
			"tenant_id", w.target.TenantID, "rule", e.Rule, "made_by", kvstore.ByReach)
	}
	return nil
}

// emailsOf are the addresses the directory is asked about, lower-cased.
func emailsOf(users []*model.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = strings.ToLower(u.Email)
	}
	return out
}

// add puts the account's link in the chunk, unless its identity is
// another account's.
func (w *worker) add(run *Run, chunk *kvstore.NotifyChunk, owners map[string]string, u *model.User, link kvstore.NotifyLink) {
	if owner, taken := owners[link.ObjectID]; taken && owner != u.Id {
		run.skip(skipTaken, u.Username)
		return
	}
	owners[link.ObjectID] = u.Id
	link.UserID = u.Id
	chunk.Links = append(chunk.Links, link)
}

// lookUp asks the directory about each email, a batch at a time within
// the directory's pace, waiting out Graph's 429s for the requests they
// answered.
func (w *worker) lookUp(ctx context.Context, emails []string) ([]graph.UserLookup, error) {
	out := make([]graph.UserLookup, len(emails))
	for start := 0; start < len(emails); start += graph.MaxBatch {
		idx := make([]int, 0, graph.MaxBatch)
		for i := start; i < min(start+graph.MaxBatch, len(emails)); i++ {
			idx = append(idx, i)
		}
		for throttled := 0; len(idx) > 0; throttled++ {
			if err := w.lookups.WaitN(ctx, len(idx)); err != nil {
				return nil, err
			}
			batch := make([]string, len(idx))
			for k, i := range idx {
				batch[k] = emails[i]
			}
			got, err := withRetries(ctx, func() ([]graph.UserLookup, error) { return w.target.Graph.UsersByEmail(ctx, batch) })
			if err != nil {
				return nil, fmt.Errorf("look people up in the directory: %w", err)
			}
			var again []int
			var wait time.Duration
			retried := false
			for k, i := range idx {
				if d, ok := throttledFor(got[k].Err); ok && throttled < maxThrottled {
					again, wait = append(again, i), max(wait, d)
					continue
				}
				if consentMissing(got[k].Err) && !w.freshToken {
					again, retried = append(again, i), true
					continue
				}
				if consentMissing(got[k].Err) {
					return nil, fmt.Errorf("look people up in the directory: %w", got[k].Err)
				}
				out[i] = got[k]
			}
			w.freshToken = w.freshToken || retried
			idx = again
			if len(idx) > 0 && !sleep(ctx, wait) {
				return nil, ctx.Err()
			}
		}
	}
	return out, nil
}

// install installs the app for each link not yet installed, within
// Graph's pace, and records each outcome in the link.
func (w *worker) install(ctx context.Context, run *Run, links []kvstore.NotifyLink, names map[string]string) error {
	var todo []int
	for i, l := range links {
		if l.Installed == 0 {
			todo = append(todo, i)
		}
	}
	for start := 0; start < len(todo); start += graph.MaxBatch {
		idx := todo[start:min(start+graph.MaxBatch, len(todo))]
		for throttled := 0; len(idx) > 0; throttled++ {
			if err := w.installs.WaitN(ctx, len(idx)); err != nil {
				return err
			}
			oids := make([]string, len(idx))
			for k, i := range idx {
				oids[k] = links[i].ObjectID
			}
			got, err := withRetries(ctx, func() ([]graph.Installed, error) {
				return w.target.Graph.InstallFor(ctx, w.catalogID, oids)
			})
			if err != nil {
				return fmt.Errorf("install the Teams app: %w", err)
			}
			var again []int
			var wait time.Duration
			retried := false
			for k, i := range idx {
				r := got[k]
				if d, ok := throttledFor(r.Err); ok && throttled < maxThrottled {
					again, wait = append(again, i), max(wait, d)
					continue
				}
				if consentMissing(r.Err) && !w.freshToken {
					again, retried = append(again, i), true
					continue
				}
				if consentMissing(r.Err) {
					return fmt.Errorf("install the Teams app: %w", r.Err)
				}
				l := &links[i]
				switch {
				case r.Err != nil:
					l.InstallError = capText(r.Err.Error(), maxReasonLength)
					run.fail("the Teams app could not be installed: "+l.InstallError, names[l.UserID])
				case r.Already:
					l.Installed, l.InstallError = w.job.now().UnixMilli(), ""
					run.AlreadyInstalled++
				default:
					l.Installed, l.InstallError = w.job.now().UnixMilli(), ""
					run.Installed++
				}
			}
			w.freshToken = w.freshToken || retried
			idx = again
			if len(idx) > 0 && !sleep(ctx, wait) {
				return ctx.Err()
			}
		}
	}
	return nil
}

// retryInstalls installs the app for people linked by an earlier run
// whose installation failed, chunk by chunk. Links of this run were
// tried in it already: once a run, each failure counted once.
func (w *worker) retryInstalls(ctx context.Context, run *Run, links linkindex.Links) error {
	byChunk := map[string]bool{}
	thisRun := strings.TrimSuffix(kvstore.NotifyChunkKey(run.ID, 0), "0")
	for _, e := range links.Notify {
		if e.Installed == 0 && e.Removed == 0 && e.InstallError != "" && !strings.HasPrefix(e.Chunk, thisRun) {
			byChunk[e.Chunk] = true
		}
	}
	keys := make([]string, 0, len(byChunk))
	for k := range byChunk {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	store := kvstore.NotifyLinks{KV: w.job.API}
	for _, key := range keys {
		chunk, err := store.Get(key)
		if err != nil {
			return err
		}
		if chunk == nil {
			continue
		}
		var retry []kvstore.NotifyLink
		for _, l := range chunk.Links {
			if l.Installed == 0 && l.Removed == 0 {
				retry = append(retry, l)
			}
		}
		if err := w.install(ctx, run, retry, nil); err != nil {
			return err
		}
		done := map[string]kvstore.NotifyLink{}
		for _, l := range retry {
			done[l.UserID] = l
		}
		updated, err := store.Update(key, func(c *kvstore.NotifyChunk) bool {
			for i := range c.Links {
				if l, ok := done[c.Links[i].UserID]; ok && c.Links[i].Removed == 0 {
					c.Links[i].Installed, c.Links[i].InstallError = l.Installed, l.InstallError
				}
			}
			return true
		})
		if err != nil {
			return err
		}
		if updated != nil {
			w.job.Links.NotifyChunkStored(*updated)
		}
	}
	return nil
}

// throttledFor is how long Graph asked to wait, when err is its 429.
func throttledFor(err error) (time.Duration, bool) {
	var gerr *graph.Error
	if err == nil || !errors.As(err, &gerr) || graph.Classify(err) != graph.Throttled {
		return 0, false
	}
	return max(gerr.RetryAfter, time.Second), true
}

// consentMissing reports whether err says no request of its kind can
// pass until an admin acts, which ends the run.
func consentMissing(err error) bool {
	c := graph.Classify(err)
	return err != nil && c.EveryRequest()
}

// withRetries makes a whole-batch call, trying transient failures
// again with backoff and waiting out a 429 of the whole batch.
func withRetries[T any](ctx context.Context, call func() (T, error)) (T, error) {
	var zero T
	for attempt, throttled := 1, 0; ; {
		got, err := call()
		if err == nil {
			return got, nil
		}
		wait, isThrottled := throttledFor(err)
		switch {
		case isThrottled && throttled < maxThrottled:
			throttled++
		case !isThrottled && graph.Classify(err) == graph.Transient && attempt < maxAttempts:
			wait = time.Second << (attempt - 1)
			attempt++
		default:
			return zero, err
		}
		if !sleep(ctx, wait) {
			return zero, ctx.Err()
		}
	}
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

// logMade writes the one log line every link made has: whose account,
// which Microsoft identity, by what rule, made by the job.
func (w *worker) logMade(links []kvstore.NotifyLink) {
	for _, l := range links {
		w.job.API.LogInfo("Linked a Microsoft account for notifications", "user_id", l.UserID, "entra_object_id", l.ObjectID,
			"tenant_id", w.target.TenantID, "rule", l.Rule, "made_by", kvstore.ByReach)
	}
}
