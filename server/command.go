package main

import (
	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/missioncollab/mattermost-plugin-m365/server/linkcmd"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
)

// ExecuteCommand runs /m365.
func (p *Plugin) ExecuteCommand(_ *plugin.Context, args *model.CommandArgs) (*model.CommandResponse, *model.AppError) {
	audit := sso.Audit{Log: p.API}
	return linkcmd.Command{
		API:        p.API,
		Links:      p.signIn.Links(),
		MatchEmail: func() bool { return p.currentSettings().MatchAccountsByEmail },
		Unlinked:   audit.Unlinked,
	}.Execute(args), nil
}
