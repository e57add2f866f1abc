package httpapi

import (
	"errors"
	"net/http"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
	"github.com/missioncollab/mattermost-plugin-m365/server/reach"
)

// ReachJob is the job that links people who never opened the app.
type ReachJob interface {
	Status() (reach.Status, error)
	PendingRequest() (*reach.Request, error)
	RequestRun(by string) error
}

// NotifyLinks are the notification links the job made.
type NotifyLinks interface {
	NotifyLinkOf(userID string) (linkindex.NotifyEntry, bool)
	RemoveNotifyLink(userID string, at int64) (*kvstore.NotifyLink, error)
}

type reachView struct {
	On bool `json:"on"`
	// Off says why runs cannot happen, naming the setting to change.
	Off       string         `json:"off,omitempty"`
	Status    reach.Status   `json:"status"`
	Requested *reach.Request `json:"requested,omitempty"`
}

func reachOff(s config.Settings) string {
	switch {
	case !s.ReachBeforeFirstUse:
		return `Turn on "Notify people who never opened the app" and save.`
	case !s.CanNotify():
		return "Teams notifications are off or not set up: " + s.NotNotifyingBecause()
	}
	return ""
}

func (a *api) reachStatus(w http.ResponseWriter, _ *http.Request) {
	st, err := a.Reach.Status()
	if err != nil {
		a.Log.LogError("Reading the notification link job failed", "error", err.Error())
		writeError(w, http.StatusInternalServerError, "Reading the job's progress failed.")
		return
	}
	req, err := a.Reach.PendingRequest()
	if err != nil {
		a.Log.LogError("Reading the notification link job failed", "error", err.Error())
		writeError(w, http.StatusInternalServerError, "Reading the job's progress failed.")
		return
	}
	off := reachOff(a.Snapshot().Settings)
	writeJSON(w, http.StatusOK, reachView{On: off == "", Off: off, Status: st, Requested: req})
}

func (a *api) startReach(w http.ResponseWriter, r *http.Request) {
	if off := reachOff(a.Snapshot().Settings); off != "" {
		writeError(w, http.StatusConflict, off)
		return
	}
	by := "an admin"
	if u, appErr := a.Users.GetUser(r.Header.Get("Mattermost-User-Id")); appErr == nil {
		by = "@" + u.Username
	}
	err := a.Reach.RequestRun(by)
	switch {
	case errors.Is(err, reach.ErrOff):
		writeError(w, http.StatusConflict, reachOff(a.Snapshot().Settings))
		return
	case err != nil:
		a.Log.LogError("Starting the notification link job failed", "error", err.Error())
		writeError(w, http.StatusInternalServerError, "Starting the run failed; try again.")
		return
	}
	a.reachStatus(w, r)
}
