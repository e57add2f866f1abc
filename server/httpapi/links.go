package httpapi

import (
	"net/http"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// linkView is one account's Entra link as the API shows it.
type linkView struct {
	UserID   string `json:"user_id"`
	Linked   bool   `json:"linked"`
	TenantID string `json:"tenant_id,omitempty"`
	ObjectID string `json:"object_id,omitempty"`
	// Rule is how the link was made: "email", "auth data" or "confirmed".
	Rule string `json:"rule,omitempty"`
	// MadeBy is who made it: the user ID of the person who confirmed it,
	// "sign-in" for the sign-in's own rules, or "unknown" for links
	// stored before this was kept.
	MadeBy string `json:"made_by,omitempty"`
	// Email is, for a link made by email, the address that made it.
	Email    string `json:"email,omitempty"`
	LinkedAt int64  `json:"linked_at,omitempty"`
	// InForce is false for a link made by email while email matching is
	// off: kept, but it signs nobody in and routes no notification.
	InForce bool `json:"in_force"`
	// Notification is the account's notification link, made for a person
	// who had not opened the app: it routes notifications only.
	Notification *notifyLinkView `json:"notification_link,omitempty"`
	// Refused says why Teams last refused the person's notifications,
	// while they are left out.
	Refused *refusalView `json:"notifications_refused,omitempty"`
}

type refusalView struct {
	ObjectID string `json:"object_id"`
	At       int64  `json:"at"`
	Status   int    `json:"status"`
	Reason   string `json:"reason"`
	// AppMissing: the Teams app is not installed for the person.
	AppMissing bool  `json:"app_missing"`
	RetryAt    int64 `json:"retry_at"`
	Told       bool  `json:"told"`
}

type notifyLinkView struct {
	ObjectID string `json:"object_id"`
	Rule     string `json:"rule"`
	// MadeBy is "reach job": the job made it.
	MadeBy    string `json:"made_by"`
	Email     string `json:"email,omitempty"`
	LinkedAt  int64  `json:"linked_at"`
	Installed bool   `json:"app_installed"`
	InForce   bool   `json:"in_force"`
}

func (a *api) ownLink(w http.ResponseWriter, r *http.Request) {
	userID := r.Header.Get("Mattermost-User-Id")
	if userID == "" {
		writeError(w, http.StatusUnauthorized, "Sign in to Mattermost first.")
		return
	}
	a.showLink(w, userID)
}

func (a *api) removeOwnLink(w http.ResponseWriter, r *http.Request) {
	userID := r.Header.Get("Mattermost-User-Id")
	if userID == "" {
		writeError(w, http.StatusUnauthorized, "Sign in to Mattermost first.")
		return
	}
	a.removeLink(w, userID, userID)
}

func (a *api) userLink(w http.ResponseWriter, r *http.Request) {
	userID := r.PathValue("user_id")
	if !model.IsValidId(userID) {
		writeError(w, http.StatusBadRequest, "The user ID is not a Mattermost user ID.")
		return
	}
	a.showLink(w, userID)
}

func (a *api) removeUserLink(w http.ResponseWriter, r *http.Request) {
	userID := r.PathValue("user_id")
	if !model.IsValidId(userID) {
		writeError(w, http.StatusBadRequest, "The user ID is not a Mattermost user ID.")
		return
	}
	a.removeLink(w, userID, r.Header.Get("Mattermost-User-Id"))
}

func (a *api) showLink(w http.ResponseWriter, userID string) {
	svc := a.SSO()
	link, err := svc.Matcher.Links.LinkOf(userID)
	if err != nil {
		a.Log.LogError("Reading a Microsoft account link failed", "user_id", userID, "error", err.Error())
		writeError(w, http.StatusInternalServerError, "Reading the link failed.")
		return
	}
	// Links made from an email hold only while the account keeps it.
	email := a.accountEmail(userID)
	v := linkView{UserID: userID}
	if link != nil {
		v = linkView{UserID: userID, Linked: true, TenantID: link.TenantID, ObjectID: link.ObjectID,
			Rule: link.MadeBy(), MadeBy: madeByOrUnknown(link.By), Email: link.Email, LinkedAt: link.LinkedAt,
			InForce: link.Trusted(svc.Matcher.MatchEmail) && link.EmailStillProves(email)}
	}
	if e, ok := a.NotifyLinks.NotifyLinkOf(userID); ok && e.Removed == 0 {
		v.Notification = &notifyLinkView{ObjectID: e.ObjectID, Rule: e.Rule, MadeBy: kvstore.ByReach, Email: e.Email, LinkedAt: e.At, Installed: e.Installed != 0,
			InForce: link == nil && e.Installed != 0 && a.Snapshot().Settings.CanReach() && e.EmailStillProves(email)}
	}
	v.Refused = a.refusalOf(userID)
	writeJSON(w, http.StatusOK, v)
}

func (a *api) refusalOf(userID string) *refusalView {
	if a.Refusals == nil {
		return nil
	}
	r, err := a.Refusals.Of(userID)
	if err != nil {
		a.Log.LogWarn("Reading refused recipients failed", "user_id", userID, "error", err.Error())
		return nil
	}
	if r == nil {
		return nil
	}
	return &refusalView{ObjectID: r.ObjectID, At: r.At.UnixMilli(), Status: r.Status, Reason: r.Reason,
		AppMissing: r.AppMissing(), RetryAt: r.RetryAt.UnixMilli(), Told: !r.Told.IsZero()}
}

func (a *api) removeLink(w http.ResponseWriter, userID, actorID string) {
	svc := a.SSO()
	// The link store records the removal of a sign-in link itself, and
	// ends every session the link signed in.
	link, err := svc.Matcher.Links.UnlinkBy(userID, actorID)
	if err != nil {
		a.Log.LogError("Removing a Microsoft account link failed", "user_id", userID, "error", err.Error())
		writeError(w, http.StatusInternalServerError, "Removing the link failed.")
		return
	}
	notifyLink, err := a.NotifyLinks.RemoveNotifyLink(userID, time.Now().UnixMilli())
	if err != nil {
		a.Log.LogError("Removing a notification link failed", "user_id", userID, "error", err.Error())
		writeError(w, http.StatusInternalServerError, "Removing the link failed.")
		return
	}
	if notifyLink != nil {
		svc.Audit.Unlinked(userID, kvstore.Link{Identity: kvstore.Identity{TenantID: a.Snapshot().Settings.TenantID, ObjectID: notifyLink.ObjectID},
			Rule: notifyLink.Rule, LinkedAt: notifyLink.At}, actorID)
	}
	if link == nil && notifyLink == nil {
		writeError(w, http.StatusNotFound, "The account is not linked to a Microsoft account.")
		return
	}
	writeJSON(w, http.StatusOK, linkView{UserID: userID})
}

func madeByOrUnknown(by string) string {
	if by == "" {
		return "unknown"
	}
	return by
}

// accountEmail is the account's address now, which links made from an
// email hold by; "" when it cannot be read, which proves none of them.
func (a *api) accountEmail(userID string) string {
	u, appErr := a.Users.GetUser(userID)
	if appErr != nil {
		return ""
	}
	return u.Email
}
