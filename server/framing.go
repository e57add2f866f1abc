package main

import (
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
)

// ensureFrameAncestors lets the Microsoft hosts of the configured cloud
// frame Mattermost, by adding them to ServiceSettings.FrameAncestors. Entries
// the admin put there stay; nothing is ever removed.
func (p *Plugin) ensureFrameAncestors(s config.Settings) {
	endpoints, err := s.Endpoints()
	if err != nil {
		return
	}
	var required []string
	for _, origin := range endpoints.FrameAncestors {
		if origin != "" {
			required = append(required, origin)
		}
	}
	if len(required) == 0 {
		return
	}
	cfg := p.API.GetConfig()
	merged, changed := config.MergeFrameAncestors(model.SafeDereference(cfg.ServiceSettings.FrameAncestors), required)
	if !changed {
		return
	}
	cfg.ServiceSettings.FrameAncestors = model.NewPointer(merged)
	if appErr := p.API.SaveConfig(cfg); appErr != nil {
		p.API.LogError("Adding the Microsoft hosts to the frame ancestors failed; add them under ServiceSettings.FrameAncestors",
			"required", merged, "error", appErr.Error())
		return
	}
	p.API.LogInfo("Allowed the Microsoft hosts to frame Mattermost", "frame_ancestors", merged)
}
