package main

import (
	"net/http"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/httpapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

func (p *Plugin) routes() http.Handler {
	return httpapi.New(httpapi.Deps{
		PluginID: pluginID,
		Settings: p.currentSettings,
		Server:   p.serverForTeamsApp,
		IsSystemAdmin: func(userID string) bool {
			return p.API.HasPermissionTo(userID, model.PermissionManageSystem)
		},
		Icons: kvstore.Icons{KV: p.API},
		Log:   p.API,
		SSO:   p.ssoService,
	})
}

// ServeHTTP serves /plugins/<id>/... on the Mattermost server.
func (p *Plugin) ServeHTTP(_ *plugin.Context, w http.ResponseWriter, r *http.Request) {
	p.router.ServeHTTP(w, r)
}

func (p *Plugin) currentSettings() config.Settings {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.settings
}

func (p *Plugin) serverForTeamsApp() teamsapp.Server {
	cfg := p.serverConfig()
	return teamsapp.Server{
		SiteURL:        model.SafeDereference(cfg.ServiceSettings.SiteURL),
		PrivacyLink:    model.SafeDereference(cfg.SupportSettings.PrivacyPolicyLink),
		TermsOfUseLink: model.SafeDereference(cfg.SupportSettings.TermsOfServiceLink),
	}
}
