package httpapi

import (
	"net/http"
	"net/url"
	"path"

	"github.com/missioncollab/mattermost-plugin-m365/server/pages"
	"github.com/missioncollab/mattermost-plugin-m365/server/site"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// tabSettings are what the tab and its pages are made from.
type tabSettings struct {
	// Site is where Mattermost is served; its zero value when the Site
	// URL is unset, so pages still render their paths.
	Site           site.Site
	TenantID       string
	FrameAncestors []string
}

// tab reads the tab's settings from the snapshot in force: the Microsoft
// hosts of the selected cloud may frame it.
func (a *api) tab() tabSettings {
	snap := a.Snapshot()
	return tabSettings{Site: snap.Site, TenantID: snap.Settings.TenantID, FrameAncestors: snap.Settings.FrameAncestors()}
}

// teamsServer is what the Teams app package needs from the server
// configuration.
func (a *api) teamsServer() teamsapp.Server { return teamsapp.ServerFrom(a.Snapshot().Server) }

// tabPage serves the page the Microsoft hosts frame as the personal tab.
func (a *api) tabPage(w http.ResponseWriter, _ *http.Request) {
	t := a.tab()
	where := t.Site
	pluginBase := where.PluginPath(a.PluginID, "")
	nonce := pages.Nonce()
	pages.SetSecurityHeaders(w, nonce, t.FrameAncestors)
	err := pages.RenderTab(w, pages.TabData{
		Nonce:        nonce,
		StaticBase:   pluginBase + "/static",
		ExchangeURL:  pluginBase + "/api/v1/sso/exchange",
		RedeemURL:    pluginBase + "/api/v1/sso/redeem",
		SignOutURL:   pluginBase + "/api/v1/sso/signout",
		LinkPath:     pluginBase + LinkPath,
		HomeURL:      where.Home(),
		LoginURL:     where.Subpath + "/login",
		SiteURL:      where.Origin() + where.Home(),
		TenantID:     t.TenantID,
		ValidOrigins: t.FrameAncestors,
	})
	if err != nil {
		a.Log.LogError("Rendering the tab page failed", "error", err.Error())
	}
}

// staticFile serves the pages' own scripts and styles.
func (a *api) staticFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data, ok := pages.StaticFile(name)
	if !ok {
		http.NotFound(w, r)
		return
	}
	serveAsset(w, name, data)
}

// teamsJS serves the Teams JS SDK shipped in the bundle, never a CDN's.
func (a *api) teamsJS(w http.ResponseWriter, r *http.Request) {
	data, err := a.TeamsSDK()
	if err != nil {
		a.Log.LogError("Reading the bundled Teams JS SDK failed", "error", err.Error())
		http.NotFound(w, r)
		return
	}
	serveAsset(w, "MicrosoftTeams.min.js", data)
}

func serveAsset(w http.ResponseWriter, name string, data []byte) {
	switch path.Ext(name) {
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(data)
}

// LinkPath is the page, in the host's popup, where a person confirms a
// link between their Microsoft account and their Mattermost account.
const LinkPath = "/auth/link"

// linkPage shows the popup's confirmation: it names the Microsoft account
// the tab's flow started with and the Mattermost account signed in here.
// Without a session it sends the person to the Mattermost login first.
func (a *api) linkPage(w http.ResponseWriter, r *http.Request) {
	t := a.tab()
	where := t.Site
	pluginBase := where.PluginPath(a.PluginID, "")
	flowSecret := r.URL.Query().Get("flow")
	d := pages.LinkData{
		Nonce:        pages.Nonce(),
		StaticBase:   pluginBase + "/static",
		ConfirmURL:   pluginBase + "/api/v1/link/confirm",
		Flow:         flowSecret,
		ValidOrigins: t.FrameAncestors,
	}
	svc := a.SSO()
	flow, err := svc.LinkFlow(flowSecret)
	userID := r.Header.Get("Mattermost-User-Id")
	back := pluginBase + LinkPath + "?" + url.Values{"flow": {flowSecret}}.Encode()
	login := where.Subpath + "/login?" + url.Values{"redirect_to": {back}}.Encode()
	switch {
	case err != nil:
		d.Problem = "This link request is unknown or has expired. Close this window and try again from the tab."
	case userID == "":
		http.Redirect(w, r, login, http.StatusFound)
		return
	default:
		d.MicrosoftName, d.MicrosoftAccount = flow.Name, flow.Account
		d.FlowTenant, d.FlowObject = flow.TenantID, flow.ObjectID
		s, err := a.session(svc, r)
		if err == nil {
			err = sso.FreshLogin(s, flow)
		}
		if err != nil {
			d.SignInAgain = "Only a Mattermost login made in this window can link your accounts. The session this browser already has cannot: signing in ends it here."
			d.LoginURL, d.LogoutURL = login, where.Subpath+"/api/v4/users/logout"
		} else if u, appErr := a.Users.GetUser(userID); appErr != nil {
			d.Problem = "Your Mattermost account could not be read. Close this window and try again."
		} else {
			d.MattermostUsername, d.MattermostEmail = u.Username, u.Email
		}
	}
	// The popup is a window of its own; nothing frames it.
	pages.SetSecurityHeaders(w, d.Nonce, nil)
	if err := pages.RenderLink(w, d); err != nil {
		a.Log.LogError("Rendering the link confirmation page failed", "error", err.Error())
	}
}
