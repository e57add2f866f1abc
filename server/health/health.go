// Package health checks the plugin's connection to Microsoft 365 the way
// an admin would by hand: each check passes or fails with the fix in one
// sentence.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/frameancestors"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// Status is a check's outcome.
type Status string

// Outcomes: a warning works today but needs attention; skipped checks
// wait on an earlier one.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Check is one check's result.
type Check struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	// Fix says what to do, in one sentence; empty when it passed.
	Fix string `json:"fix,omitempty"`
}

// Report is every check, in order.
type Report struct {
	CheckedAt time.Time `json:"checked_at"`
	Checks    []Check   `json:"checks"`
	// SecretExpires is when the client secret expires, when known.
	SecretExpires *time.Time `json:"secret_expires,omitempty"`
}

// OK reports whether nothing failed.
func (r Report) OK() bool {
	for _, c := range r.Checks {
		if c.Status == Fail {
			return false
		}
	}
	return true
}

// Graph is the part of the Graph client the checks use.
type Graph interface {
	Roles() ([]string, error)
	CatalogApp(ctx context.Context, externalID string) (*graph.CatalogApp, error)
	SecretExpiry(ctx context.Context) (time.Time, bool, error)
}

// Input is what is checked.
type Input struct {
	Settings config.Settings
	SiteURL  string
	// Graph is a client for the settings; nil when they are incomplete.
	Graph Graph
	// Queue is the notification queue's state; nil when none runs.
	Queue *Queue
	// Package is the Teams app package the plugin builds now, nil when it
	// cannot; LastUpload is the upload last reported; SetupCommand is
	// what brings the catalog up to date.
	Package      *teamsapp.Package
	LastUpload   *teamsapp.Upload
	SetupCommand string
	// Framing is where the server's frame ancestors stand; nil when the
	// plugin has not worked them out.
	Framing *Framing
	Now     time.Time
}

// Framing is the frame-ancestor status, or why it is unknown.
type Framing struct {
	Status frameancestors.Status
	Err    error
}

// ExpiryWarning is how long before the secret expires admins are warned.
const ExpiryWarning = 30 * 24 * time.Hour

// Run runs every check.
func Run(ctx context.Context, in Input) Report {
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	r := &run{in: in, ctx: ctx}
	r.report.CheckedAt = in.Now.UTC()
	r.siteURL()
	r.settings()
	r.framing()
	r.token()
	r.permissions()
	r.reach()
	r.teamsApp()
	r.secret()
	r.queue()
	return r.report
}

// SupportFile is the report as a file for a support packet.
func SupportFile(r Report) (*model.FileData, error) {
	body, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode connection check: %w", err)
	}
	return &model.FileData{Filename: "m365-connection-check.json", Body: body}, nil
}
