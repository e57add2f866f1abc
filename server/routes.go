package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/missioncollab/mattermost-plugin-m365/server/httpapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/pages"
	"github.com/missioncollab/mattermost-plugin-m365/server/preview"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
)

func (p *Plugin) routes() http.Handler {
	return httpapi.New(httpapi.Deps{
		PluginID: pluginID,
		Snapshot: p.snapshot,
		IsSystemAdmin: func(userID string) bool {
			return p.API.HasPermissionTo(userID, model.PermissionManageSystem)
		},
		Icons:    kvstore.Icons{KV: p.API},
		Log:      p.API,
		SSO:      func() *sso.Service { return p.signIn.Service(p.snapshot()) },
		Users:    p.API,
		TeamsSDK: p.teamsSDK,
		Preview:  p.previewPost,
		Health:   p.healthReport,
	})
}

func (p *Plugin) previewPost(viewerID, postID string) (*pages.PreviewPost, error) {
	snap := p.snapshot()
	cfg := snap.Server
	return preview.Build(p.API, viewerID, postID, preview.Options{
		Subpath:    snap.Site.Subpath,
		NameFormat: model.SafeDereference(cfg.TeamSettings.TeammateNameDisplay),
		// The preview names the author as the notification did.
		UsernameOverride: model.SafeDereference(cfg.ServiceSettings.EnablePostUsernameOverride),
	})
}

// ServeHTTP serves /plugins/<id>/... on the Mattermost server.
func (p *Plugin) ServeHTTP(c *plugin.Context, w http.ResponseWriter, r *http.Request) {
	if c != nil && c.SessionId != "" {
		r = r.WithContext(httpapi.WithSessionID(r.Context(), c.SessionId))
	}
	p.router.ServeHTTP(w, r)
}

// teamsSDK reads the Teams JS SDK from the installed bundle once.
func (p *Plugin) teamsSDK() ([]byte, error) {
	p.sdkOnce.Do(func() {
		dir, err := p.API.GetBundlePath()
		if err != nil {
			p.sdkErr = fmt.Errorf("find the plugin bundle: %w", err)
			return
		}
		p.sdk, p.sdkErr = os.ReadFile(filepath.Join(dir, "assets", "teams-js", "MicrosoftTeams.min.js"))
	})
	return p.sdk, p.sdkErr
}
