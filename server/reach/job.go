package reach

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"golang.org/x/time/rate"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// API is the part of the plugin API the job uses.
type API interface {
	KV
	kvstore.Lister
	mmapi.Logger
	GetUsers(options *model.UserGetOptions) ([]*model.User, *model.AppError)
	RolesGrantPermission(roleNames []string, permissionID string) bool
}

// Directory is Microsoft Graph as the job uses it (a *graph.Client).
type Directory interface {
	TeamsAppID(ctx context.Context, externalID string) (string, error)
	UsersByEmail(ctx context.Context, emails []string) ([]graph.UserLookup, error)
	InstallFor(ctx context.Context, catalogID string, objectIDs []string) ([]graph.Installed, error)
}

// Target is where a run links and installs under the settings in force.
type Target struct {
	TenantID string
	// AppExternalID is the Teams app's ID in its manifest.
	AppExternalID string
	Graph         Directory
}

// ErrOff means the settings do not ask for the job, or cannot carry it out.
var ErrOff = errors.New("notifying people who never opened the app is off")

// Links is the link index the job reads and adds to (a *linkindex.Live).
type Links interface {
	AllLinks() linkindex.Links
	NotifyChunkStored(kvstore.NotifyChunk)
	Choice(userID string) attention.Choice
}

// Locker is the cluster-wide lock one server's job holds while it runs.
type Locker interface {
	LockWithContext(ctx context.Context) error
	Unlock()
}

// Limits pace the job within Graph's documented throttling, which
// counts per app and tenant: the directory allows 3,500 resource units
// every 10 seconds in the smallest tenants (a user lookup with $select
// costs one), and installing apps for users 30 requests a second. Each
// request of a JSON batch counts on its own.
type Limits struct {
	LookupsPerSecond  float64
	LookupBurst       int
	InstallsPerSecond float64
	InstallBurst      int
	// PageSize is how many accounts one plugin API call reads.
	PageSize int
	// Poll is how often each server looks for a run that is due.
	Poll time.Duration
	// Every is how often a run over everyone follows the first.
	Every time.Duration
	// Settle is how long after an account is created its run waits,
	// so that accounts created together are read together.
	Settle time.Duration
}

// DefaultLimits are Graph's published limits.
var DefaultLimits = Limits{
	LookupsPerSecond: 350, LookupBurst: 3500,
	InstallsPerSecond: 30, InstallBurst: 30,
	PageSize: 200,
	Poll:     time.Minute, Every: 24 * time.Hour, Settle: 20 * time.Second,
}

// Job links people who never opened the app for notifications and
// installs the Teams app for them. Every server runs one; a cluster lock
// lets one at a time work, and its progress lives in the KV store, so a
// restart or another server carries on from the last page done.
type Job struct {
	API    API
	Lock   Locker
	Target func() (Target, error)
	Links  Links
	Limits Limits
	// Now is the clock; time.Now if nil.
	Now func() time.Time

	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// Start runs the job's loop until Stop.
func (j *Job) Start() {
	j.wake, j.stop, j.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go j.loop()
}

// Stop ends the loop, waiting for the page in hand to be given up; the
// run goes on from its last page done on the next server to start.
func (j *Job) Stop() {
	if j.stop == nil {
		return
	}
	close(j.stop)
	<-j.done
}

// Wake makes the loop look for a due run now.
func (j *Job) Wake() {
	if j.wake == nil {
		return
	}
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

func (j *Job) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j *Job) loop() {
	defer close(j.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-j.stop
		cancel()
	}()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-j.wake:
		case <-t.C:
		}
		again := j.RunDue(ctx)
		t.Reset(j.Limits.Poll)
		if again {
			j.Wake()
		}
	}
}

// RequestRun asks for a run over everyone, on whichever server runs next.
func (j *Job) RequestRun(by string) error {
	if _, err := j.Target(); err != nil {
		return err
	}
	if err := (store{j.API}).set(requestKey, Request{At: j.now().UnixMilli(), By: by}); err != nil {
		return err
	}
	j.Wake()
	return nil
}

// AccountCreated notes a new account for the next run of new accounts.
func (j *Job) AccountCreated() {
	if _, err := j.Target(); err != nil {
		return
	}
	if err := (store{j.API}).markNewAccount(j.now().UnixMilli()); err != nil {
		j.API.LogWarn("Noting a new account for Teams notifications failed", "error", err.Error())
		return
	}
	time.AfterFunc(j.Limits.Settle+time.Second, j.Wake)
}

// Status is the job's state.
func (j *Job) Status() (Status, error) { return store{j.API}.status() }

// PendingRequest is the admin's request not yet answered, if any.
func (j *Job) PendingRequest() (*Request, error) {
	s := store{j.API}
	req, err := s.request()
	if err != nil || req.At == 0 {
		return nil, err
	}
	st, err := s.status()
	if err != nil || req.At <= st.Served {
		return nil, err
	}
	return &req, nil
}

// RunDue takes the lock and does the run that is due, if any, and
// reports whether another may be due at once.
func (j *Job) RunDue(ctx context.Context) bool {
	target, err := j.Target()
	if err != nil {
		return false
	}
	lockCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err = j.Lock.LockWithContext(lockCtx)
	cancel()
	if err != nil {
		return false // another server is running it
	}
	defer j.Lock.Unlock()
	s := store{j.API}
	st, err := s.status()
	if err != nil {
		j.API.LogError("Reading the notification link job's progress failed", "error", err.Error())
		return false
	}
	run, err := j.due(&st)
	if err != nil {
		j.API.LogError("Deciding the next notification link run failed", "error", err.Error())
		return false
	}
	if run == nil {
		return false
	}
	if st.Current == nil {
		st.Current = run
		j.API.LogInfo("Linking people for Teams notifications", "run", run.ID, "kind", run.Kind, "trigger", run.Trigger)
		if err := s.set(statusKey, st); err != nil {
			j.API.LogError("Storing the notification link job's progress failed", "error", err.Error())
			return false
		}
	}
	err = j.do(ctx, target, &st)
	if ctx.Err() != nil {
		return false // stopping: the run goes on from its last page
	}
	st.Current.FinishedAt = j.now().UnixMilli()
	if err != nil {
		st.Current.Error = capText(err.Error(), 500)
		j.API.LogError("A notification link run stopped", "run", st.Current.ID, "error", st.Current.Error)
	} else {
		c := st.Current
		j.API.LogInfo("Linked people for Teams notifications", "run", c.ID, "accounts", c.Accounts,
			"linked", total(c.Linked), "installed", c.Installed, "already_installed", c.AlreadyInstalled,
			"skipped", total(c.Skipped), "failed", total(c.Failed))
	}
	st.Last, st.Current = st.Current, nil
	if err := s.set(statusKey, st); err != nil {
		j.API.LogError("Storing the notification link job's progress failed", "error", err.Error())
	}
	return true
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// due is the run to do now: the one a restart stopped, an admin's
// request, the daily run over everyone once there has been a first, or
// a run of new accounts; nil if none is due.
func (j *Job) due(st *Status) (*Run, error) {
	if st.Current != nil {
		return st.Current, nil
	}
	s := store{j.API}
	now := j.now()
	id := strconv.FormatInt(now.UnixMilli(), 36)
	req, err := s.request()
	if err != nil {
		return nil, err
	}
	if req.At > st.Served {
		st.Served, st.LastEveryone = req.At, now.UnixMilli()
		return &Run{ID: id, Kind: KindEveryone, Trigger: req.By, StartedAt: now.UnixMilli()}, nil
	}
	if st.LastEveryone != 0 && now.Sub(time.UnixMilli(st.LastEveryone)) >= j.Limits.Every {
		st.LastEveryone = now.UnixMilli()
		return &Run{ID: id, Kind: KindEveryone, Trigger: "daily", StartedAt: now.UnixMilli()}, nil
	}
	created, err := s.newAccounts()
	if err != nil || created == 0 || now.Sub(time.UnixMilli(created)) < j.Limits.Settle {
		return nil, err
	}
	if err := s.clearNewAccounts(created); err != nil {
		return nil, err
	}
	// A minute's margin for clocks of other servers.
	return &Run{ID: id, Kind: KindNewAccounts, Trigger: "new accounts", Since: created - time.Minute.Milliseconds(), StartedAt: now.UnixMilli()}, nil
}

// do carries the current run on from its page, saving progress after
// each page, then installs the app for people an earlier run linked but
// could not install it for.
func (j *Job) do(ctx context.Context, target Target, st *Status) error {
	catalogID, err := withRetries(ctx, func() (string, error) { return target.Graph.TeamsAppID(ctx, target.AppExternalID) })
	if err != nil {
		return fmt.Errorf("find the Teams app in the catalog: %w", err)
	}
	w := &worker{
		job: j, target: target, catalogID: catalogID,
		lookups:  rate.NewLimiter(rate.Limit(j.Limits.LookupsPerSecond), j.Limits.LookupBurst),
		installs: rate.NewLimiter(rate.Limit(j.Limits.InstallsPerSecond), j.Limits.InstallBurst),
	}
	run := st.Current
	links := j.Links.AllLinks()
	owners := links.Owners()
	for {
		// Settings saved meanwhile may have turned the job off or moved it.
		if now, err := j.Target(); err != nil {
			return fmt.Errorf("stopped: %w", err)
		} else if !strings.EqualFold(now.TenantID, target.TenantID) {
			return errors.New("stopped: the tenant changed")
		}
		opts := &model.UserGetOptions{Page: run.Page, PerPage: j.Limits.PageSize, Active: true}
		if run.Kind == KindNewAccounts {
			opts.UpdatedAfter, opts.Sort = run.Since, "update_at_asc"
		}
		users, appErr := j.API.GetUsers(opts)
		if appErr != nil {
			return fmt.Errorf("read accounts: %w", appErr)
		}
		if len(users) > 0 {
			if err := w.page(ctx, run, users, links, owners); err != nil {
				return err
			}
		}
		if len(users) < j.Limits.PageSize {
			break
		}
		run.Page++
		if err := (store{j.API}).set(statusKey, st); err != nil {
			return err
		}
	}
	return w.retryInstalls(ctx, run, links)
}
