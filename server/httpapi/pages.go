package httpapi

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/missioncollab/mattermost-plugin-m365/server/pages"
)

// TabSettings are what the tab page is made from.
type TabSettings struct {
	SiteURL        string
	TenantID       string
	FrameAncestors []string
}

func (a *api) sitePaths(siteURL string) (origin, subpath string) {
	u, err := url.Parse(siteURL)
	if err != nil {
		return "", ""
	}
	return u.Scheme + "://" + u.Host, strings.TrimRight(u.EscapedPath(), "/")
}

// tabPage serves the page the Microsoft hosts frame as the personal tab.
func (a *api) tabPage(w http.ResponseWriter, _ *http.Request) {
	t := a.Tab()
	origin, subpath := a.sitePaths(t.SiteURL)
	pluginBase := subpath + "/plugins/" + a.PluginID
	nonce := pages.Nonce()
	pages.SetSecurityHeaders(w, nonce, t.FrameAncestors)
	err := pages.RenderTab(w, pages.TabData{
		Nonce:        nonce,
		StaticBase:   pluginBase + "/static",
		ExchangeURL:  pluginBase + "/api/v1/sso/exchange",
		RedeemURL:    pluginBase + "/api/v1/sso/redeem",
		CompletePath: pluginBase + "/auth/complete",
		HomeURL:      subpath + "/",
		LoginURL:     subpath + "/login",
		SiteURL:      origin + subpath + "/",
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

// authComplete ends an external login in the host's popup: signed in there,
// the person gets a one-time code that the host hands to the tab.
func (a *api) authComplete(w http.ResponseWriter, _ *http.Request, userID string) {
	t := a.Tab()
	_, subpath := a.sitePaths(t.SiteURL)
	d := pages.AuthCompleteData{
		Nonce:        pages.Nonce(),
		StaticBase:   subpath + "/plugins/" + a.PluginID + "/static",
		ValidOrigins: t.FrameAncestors,
	}
	if userID != "" {
		code, err := a.AuthCodes.Issue(userID)
		if err != nil {
			a.Log.LogError("Issuing a sign-in code failed", "error", err.Error())
		}
		d.Code = code
	}
	// The popup is a window of its own; nothing frames it.
	pages.SetSecurityHeaders(w, d.Nonce, nil)
	if err := pages.RenderAuthComplete(w, d); err != nil {
		a.Log.LogError("Rendering the sign-in completion page failed", "error", err.Error())
	}
}
