package main

import (
	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/frameancestors"
)

// ensureFrameAncestors lets exactly the configured cloud's Microsoft hosts
// frame Mattermost, and only once the plugin is configured for it. Runs
// one at a time, each with the settings in force when it starts, so an
// older change never undoes a newer one.
func (p *Plugin) ensureFrameAncestors() {
	p.framingMu.Lock()
	defer p.framingMu.Unlock()
	s := p.currentSettings()
	keeper := frameancestors.Keeper{API: p.API, Legacy: config.AllFrameAncestors()}
	if err := keeper.Ensure(wantedFrameAncestors(s)); err != nil {
		p.API.LogError("Updating the Microsoft hosts that may frame Mattermost failed; set them under ServiceSettings.FrameAncestors",
			"error", err.Error())
	}
}

// wantedFrameAncestors are the origins the settings need: none until the
// tenant and client are set, since no tab can sign in before.
func wantedFrameAncestors(s config.Settings) []string {
	if !s.CanSignIn() {
		return nil
	}
	return s.FrameAncestors()
}
