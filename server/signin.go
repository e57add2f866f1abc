package main

import (
	"database/sql"

	"github.com/mattermost/mattermost/server/public/shared/driver"

	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

func (p *Plugin) newSignIn() *sso.SignIn {
	return &sso.SignIn{
		API:         p.API,
		DB:          p.database,
		PreviewPath: "/plugins/" + pluginID + teamsapp.PreviewPath,
		OnLink:      p.links.Linked,
		OnUnlink:    p.links.Unlinked,
	}
}

// database is the server's database, through the plugin RPC driver.
func (p *Plugin) database() *sql.DB {
	p.dbOnce.Do(func() { p.db = sql.OpenDB(driver.NewConnector(p.Driver, true)) })
	return p.db
}
