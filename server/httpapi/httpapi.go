// Package httpapi serves the plugin's HTTP routes below /plugins/<id>: the
// only package that knows about routing. Handlers get what they need through
// Deps, so each capability package stays free of HTTP.
package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/frameancestors"
	"github.com/missioncollab/mattermost-plugin-m365/server/health"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
	"github.com/missioncollab/mattermost-plugin-m365/server/pages"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp/icon"
	"github.com/missioncollab/mattermost-plugin-m365/server/testnotify"
)

// IconStore keeps the admin's uploaded icons.
type IconStore interface {
	Get(kind icon.Kind) ([]byte, error)
	Set(kind icon.Kind, png []byte) error
	Delete(kind icon.Kind) error
}

// Deps are the plugin's parts the routes use.
type Deps struct {
	PluginID string
	// Snapshot returns the settings and server configuration in force.
	Snapshot func() *config.Snapshot
	// IsSystemAdmin reports whether a user may manage the system.
	IsSystemAdmin func(userID string) bool
	Icons         IconStore
	Log           mmapi.Logger
	// SSO returns the sign-in service for the settings in force.
	SSO func() *sso.Service
	// TeamsSDK returns the bundled Teams JS SDK.
	TeamsSDK func() ([]byte, error)
	// Preview returns a post as the notification preview shows it to a
	// viewer, or preview.ErrUnavailable.
	Preview func(viewerID, postID string) (*pages.PreviewPost, error)
	// Users reads accounts, for the link confirmation.
	Users mmapi.Users
	// Health runs the connection check.
	Health func(ctx context.Context) health.Report
	// Framing is the value ServiceSettings.FrameAncestors must hold, which
	// the setup command sets through the REST API.
	Framing func() (frameancestors.Status, error)
	// TestNotification sends a person a test notification and says what
	// happened.
	TestNotification func(ctx context.Context, userID string) testnotify.Result
	// Reach is the job that links people who never opened the app, and
	// NotifyLinks what it made.
	Reach       ReachJob
	NotifyLinks NotifyLinks
	// Published remembers the package last uploaded to the catalog, and
	// CatalogVersion reads the catalog's (ErrNoGraph when it cannot,
	// graph.ErrNotInCatalog when the catalog has no such app).
	Published      PublishedStore
	CatalogVersion func(ctx context.Context) (string, error)
	// Refusals are the people whose notifications Teams refused; a
	// sign-in from the Teams app takes the person off the list.
	Refusals RefusalList
}

// RefusalList is the list of people Teams refused notifications for.
type RefusalList interface {
	Of(userID string) (*notify.Refusal, error)
	Clear(userID string) error
}

// maxRequestBody caps every request body the plugin reads; icon uploads
// have their own, tighter check.
const maxRequestBody = 2 << 20

// New returns the plugin's HTTP handler.
func New(d Deps) http.Handler {
	a := &api{Deps: d}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.status)
	mux.HandleFunc("POST /api/v1/sso/exchange", a.exchange)
	mux.HandleFunc("POST /api/v1/sso/redeem", a.redeem)
	mux.HandleFunc("POST /api/v1/sso/signout", a.signOut)
	mux.HandleFunc("POST /api/v1/link/confirm", a.confirmLink)
	mux.HandleFunc("GET "+LinkPath, a.linkPage)
	mux.HandleFunc("GET /api/v1/links/me", a.ownLink)
	mux.HandleFunc("DELETE /api/v1/links/me", a.removeOwnLink)
	mux.Handle("GET /api/v1/links/users/{user_id}", a.adminOnly(a.userLink))
	mux.Handle("DELETE /api/v1/links/users/{user_id}", a.adminOnly(a.removeUserLink))
	mux.HandleFunc("GET "+teamsapp.TabPath, a.tabPage)
	mux.HandleFunc("GET "+teamsapp.PreviewPath, a.previewPage)
	mux.HandleFunc("GET /static/teams-js/MicrosoftTeams.min.js", a.teamsJS)
	mux.HandleFunc("GET /static/{name}", a.staticFile)
	mux.Handle("GET /api/v1/health", a.adminOnly(a.health))
	mux.Handle("GET /api/v1/frame-ancestors", a.adminOnly(a.frameAncestors))
	mux.Handle("POST /api/v1/notifications/test", a.adminOnly(a.testNotification))
	mux.Handle("GET /api/v1/reach", a.adminOnly(a.reachStatus))
	mux.Handle("POST /api/v1/reach/run", a.adminOnly(a.startReach))
	mux.Handle("GET /api/v1/teams-app/status", a.adminOnly(a.packageStatus))
	mux.Handle("GET /api/v1/teams-app/package", a.adminOnly(a.downloadPackage))
	mux.Handle("PUT /api/v1/teams-app/published", a.adminOnly(a.recordPublished))
	mux.Handle("GET /api/v1/teams-app/icons/{kind}", a.adminOnly(a.getIcon))
	mux.Handle("PUT /api/v1/teams-app/icons/{kind}", a.adminOnly(a.putIcon))
	mux.Handle("DELETE /api/v1/teams-app/icons/{kind}", a.adminOnly(a.deleteIcon))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		mux.ServeHTTP(w, r)
	})
}

type api struct {
	Deps
}

func (a *api) status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"id": a.PluginID, "status": "ok"})
}

// adminOnly lets through only requests from a signed-in system admin; the
// server sets Mattermost-User-Id only for a valid session or token.
func (a *api) adminOnly(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userID := r.Header.Get("Mattermost-User-Id")
		if userID == "" {
			writeError(w, http.StatusUnauthorized, "Sign in to Mattermost first.")
			return
		}
		if !a.IsSystemAdmin(userID) {
			writeError(w, http.StatusForbidden, "Only system admins can do this.")
			return
		}
		next(w, r)
	})
}

type errorBody struct {
	Error    string             `json:"error"`
	Problems []teamsapp.Problem `json:"problems,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// testNotification sends the admin a test notification, for the System
// Console's button.
func (a *api) testNotification(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	writeJSON(w, http.StatusOK, a.TestNotification(ctx, r.Header.Get("Mattermost-User-Id")))
}

// health runs the connection check for the System Console's button.
func (a *api) frameAncestors(w http.ResponseWriter, _ *http.Request) {
	st, err := a.Framing()
	if err != nil {
		a.Log.LogWarn("Working out the frame ancestors failed", "error", err.Error())
		writeError(w, http.StatusInternalServerError, "Working out the frame ancestors failed.")
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (a *api) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 45*time.Second)
	defer cancel()
	writeJSON(w, http.StatusOK, a.Health(ctx))
}
