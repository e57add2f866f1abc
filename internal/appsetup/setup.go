// Package appsetup performs the Microsoft Entra steps of the plugin's setup
// through Microsoft Graph, as an administrator: the app registration, its
// API and scope, the Microsoft clients it trusts, its permissions with
// admin consent, and a client secret. Re-running changes only what
// differs and never removes what an admin added.
package appsetup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/site"
)

// SecretName marks the client secrets this tool creates; rotation
// removes only those.
const SecretName = "Mattermost (m365-setup)"

// graphAppID is Microsoft Graph's application ID in every cloud.
const graphAppID = "00000003-0000-0000-c000-000000000000"

// Options shape a run.
type Options struct {
	// SiteURL is Mattermost's site URL; the Application ID URI is made
	// from its host, port and path.
	SiteURL string
	// ClientID selects an existing app registration; empty finds one by
	// DisplayName or creates it.
	ClientID    string
	DisplayName string
	// SecretLifetime is how long a new client secret is valid.
	SecretLifetime time.Duration
	// Rotate creates a new secret even when a valid one exists, then
	// removes the older ones this tool created.
	Rotate bool
	// DryRun lists every change and makes none.
	DryRun bool
	// ReadSecretExpiry also asks for Application.Read.All, with which the
	// plugin's connection check reads when the secret expires.
	ReadSecretExpiry bool
	// Reach also asks for User.Read.All and
	// TeamsAppInstallation.ReadWriteSelfForUser.All, with which the plugin
	// links people who never opened the app and installs it for them.
	Reach bool
	// LeastPrivilege leaves out the tenant-wide TeamsActivity.Send: the
	// plugin then notifies with the TeamsActivity.Send.User consent each
	// person gives with the app's installation.
	LeastPrivilege bool
	// Warn receives what an admin should know but does not stop the run.
	Warn func(string)
	// RollbackTimeout bounds undoing a failed run.
	RollbackTimeout time.Duration
}

// Result is what the plugin's settings need, and what was done.
type Result struct {
	TenantID string `json:"tenant_id"`
	ClientID string `json:"client_id"`
	// ClientSecret is set only when this run created a secret.
	ClientSecret  string    `json:"client_secret,omitempty"`
	SecretExpires time.Time `json:"secret_expires,omitzero"`
	// SecretKept means a valid secret this tool made before is kept; its
	// value is shown only once, when it is created.
	SecretKept bool     `json:"secret_kept"`
	Changes    []string `json:"changes"`
	DryRun     bool     `json:"dry_run"`
	// Created means this run created the app registration.
	Created bool `json:"created"`

	// undo reverses the run's changes, for a later step that fails.
	undo func() error
}

// Undo reverses what the run changed, newest first, when a step after it
// fails: the whole setup then leaves the tenant as it found it.
func (res *Result) Undo() error {
	if res == nil || res.undo == nil {
		return nil
	}
	undo := res.undo
	res.undo = nil
	return undo()
}

// secretRenewal is how close to expiry a kept secret is replaced anyway.
const secretRenewal = 30 * 24 * time.Hour

// Run makes the tenant's app registration what the plugin needs. When a
// write fails, or ctx ends, everything this run created is removed again.
func Run(ctx context.Context, g *Graph, opts Options) (res *Result, err error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	tenant, err := g.TenantID()
	if err != nil {
		return nil, err
	}
	r := &run{g: g, opts: opts, res: &Result{TenantID: tenant, DryRun: opts.DryRun, Changes: []string{}}}
	defer func() {
		if err != nil && !opts.DryRun {
			err = errors.Join(err, r.rollback())
		}
	}()
	steps := []func(context.Context) error{
		r.application, r.graphPermissions, r.identifierURI, r.scope, r.preAuthorize,
		r.requiredAccess, r.servicePrincipal, r.appConsent, r.delegatedConsent, r.secret,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("stopped: %w", err)
		}
	}
	r.res.ClientID = r.app.AppID
	r.res.Created = r.newApp
	if !opts.DryRun {
		r.res.undo = r.rollback
	}
	return r.res, nil
}

func (o *Options) check() error {
	u, err := url.Parse(o.SiteURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("site URL %q: must be the https address of Mattermost, such as https://mattermost.example.com", o.SiteURL)
	}
	if o.ClientID == "" && strings.TrimSpace(o.DisplayName) == "" {
		return errors.New("display name: give the app registration a name, or the client ID of an existing one")
	}
	if o.SecretLifetime <= 0 || o.SecretLifetime > 2*365*24*time.Hour {
		return fmt.Errorf("secret lifetime %s: must be more than 0 and at most 2 years, as Entra allows", o.SecretLifetime)
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.RollbackTimeout <= 0 {
		o.RollbackTimeout = 30 * time.Second
	}
	return nil
}

// resourceURI is the Application ID URI the Teams SSO needs.
func (o *Options) resourceURI(clientID string) string {
	s, _ := site.Parse(o.SiteURL)
	return s.ResourceURI(clientID)
}

type run struct {
	g    *Graph
	opts Options
	res  *Result

	app     *application
	newApp  bool
	sp      *servicePrincipal
	graphSP *servicePrincipal
	scopeID string
	undo    []undoStep
}

type undoStep struct {
	what string
	fn   func(context.Context) error
}

// change records a change and, unless this is a dry run, makes it; undo,
// if given, reverses it should a later step fail.
func (r *run) change(desc string, write func() error, undo func(context.Context) error) error {
	r.res.Changes = append(r.res.Changes, desc)
	if r.opts.DryRun {
		return nil
	}
	if err := write(); err != nil {
		return fmt.Errorf("%s: %w", desc, err)
	}
	if undo != nil {
		r.undo = append(r.undo, undoStep{what: desc, fn: undo})
	}
	return nil
}

// rollback reverses this run's changes, newest first, with a context of
// its own so that it also runs after Ctrl-C.
func (r *run) rollback() error {
	if len(r.undo) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.RollbackTimeout)
	defer cancel()
	var errs []error
	for i := len(r.undo) - 1; i >= 0; i-- {
		if err := r.undo[i].fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("undo %q: %w", r.undo[i].what, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("rolling back left changes in place: %w", errors.Join(errs...))
	}
	r.opts.Warn(fmt.Sprintf("Rolled back %d changes this run had made.", len(r.undo)))
	return nil
}
