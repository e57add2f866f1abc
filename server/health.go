package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/missioncollab/mattermost-plugin-m365/server/health"
)

// healthReport runs the connection check with the settings in force.
func (p *Plugin) healthReport(ctx context.Context) health.Report {
	s := p.currentSettings()
	in := health.Input{Settings: s, SiteURL: model.SafeDereference(p.serverConfig().ServiceSettings.SiteURL)}
	if endpoints, err := s.Endpoints(); err == nil && s.CanCallGraph() {
		in.Graph = p.graphFor(s, endpoints)
	}
	in.Queue = p.queueHealth()
	// An admin who fixed what paused the queue runs this check next: the
	// worker tries at once rather than at its next probe.
	if in.Queue != nil && in.Queue.Paused {
		p.worker.Reprobe()
	}
	return health.Run(ctx, in)
}

// queueHealth is the notification queue's state for the check.
func (p *Plugin) queueHealth() *health.Queue {
	if p.worker == nil {
		return nil
	}
	st, err := p.worker.Queue.Status()
	q := &health.Queue{Err: err, Jobs: st.Jobs, Bytes: st.Bytes, Oldest: st.Oldest, NotBefore: st.NotBefore,
		MaxJobs: st.MaxJobs, MaxBytes: st.MaxBytes, MaxAge: st.MaxAge}
	if st.Pause != nil {
		q.Paused, q.Cause, q.PausedSince = true, st.Pause.Cause, st.Pause.Since
	}
	return q
}

// GenerateSupportData adds the connection check to support packets.
func (p *Plugin) GenerateSupportData(_ *plugin.Context) ([]*model.FileData, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := json.MarshalIndent(p.healthReport(ctx), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode connection check: %w", err)
	}
	return []*model.FileData{{Filename: "m365-connection-check.json", Body: body}}, nil
}
