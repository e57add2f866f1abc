package appsetup

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/graphwire"
	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// CatalogScope is the least privileged delegated permission that
// publishes to and updates the tenant app catalog.
const CatalogScope = "AppCatalog.Submit"

// Directory roles that may publish to the catalog without review and
// update an app there.
const (
	teamsAdministratorRole  = "69091246-20e8-4a56-aa4d-066075b2a7a8"
	globalAdministratorRole = "62e90394-69f5-4237-9190-012177145e10"
)

// ErrNotTeamsAdmin means the signed-in administrator lacks the role
// publishing needs.
var ErrNotTeamsAdmin = errors.New("the signed-in administrator is not a Teams Administrator (or Global Administrator), which publishing the Teams app to the catalog needs; sign in as one, or run with -no-publish and upload the package in the Teams admin center")

// TeamsPackage is the Teams app package the plugin builds now.
type TeamsPackage struct {
	ZIP   []byte
	AppID string
	teamsapp.Package
}

// TeamsPlugin is what publishing needs of the plugin on Mattermost.
type TeamsPlugin interface {
	// Package builds the package with the settings in force.
	Package(ctx context.Context) (TeamsPackage, error)
	// LastUpload is the upload last reported, or nil.
	LastUpload(ctx context.Context) (*teamsapp.Upload, error)
	// SetVersion saves the Application Version setting.
	SetVersion(ctx context.Context, version string) error
	// RecordUpload reports an upload to the plugin.
	RecordUpload(ctx context.Context, u teamsapp.Upload) error
}

// PublishOptions shape publishing.
type PublishOptions struct {
	// DryRun lists every change and makes none.
	DryRun bool
	// Warn receives what an admin should know but does not stop the run.
	Warn func(string)
	// RollbackTimeout bounds undoing a failed run.
	RollbackTimeout time.Duration
}

// PublishResult is what publishing found and did.
type PublishResult struct {
	// Found is how the catalog compared with the package before.
	Found teamsapp.CatalogState `json:"found"`
	// Version is the catalog's version after the run (what it would be,
	// in a dry run).
	Version string   `json:"version"`
	Changes []string `json:"changes"`
	DryRun  bool     `json:"dry_run"`
}

// Publish brings the tenant's Teams app catalog up to date with the
// package the plugin builds: it publishes the app when the catalog has
// none with its Application ID, and otherwise adds a new app definition
// when the catalog's is older or holds other content, raising the
// Application Version first where Graph needs a higher one. A failure
// undoes the version it raised.
func Publish(ctx context.Context, g *Graph, p TeamsPlugin, popts PublishOptions) (res *PublishResult, err error) {
	opts := Options{DryRun: popts.DryRun, Warn: popts.Warn, RollbackTimeout: popts.RollbackTimeout}
	if opts.Warn == nil {
		opts.Warn = func(string) {}
	}
	if opts.RollbackTimeout <= 0 {
		opts.RollbackTimeout = 30 * time.Second
	}
	pkg, err := p.Package(ctx)
	if err != nil {
		return nil, fmt.Errorf("get the Teams app package from the plugin: %w", err)
	}
	entry, err := g.catalogApp(ctx, pkg.AppID)
	if err != nil {
		return nil, err
	}
	last, err := p.LastUpload(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the plugin's last upload: %w", err)
	}
	catalogVersion := ""
	if entry != nil {
		catalogVersion = entry.Version
	}
	res = &PublishResult{Found: teamsapp.CompareCatalog(catalogVersion, pkg.Package, last), Version: catalogVersion, Changes: []string{}, DryRun: opts.DryRun}
	if !res.Found.NeedsUpload() {
		return res, nil
	}
	if err := g.MayPublish(); err != nil {
		return nil, err
	}
	r := &run{g: g, opts: opts, res: &Result{DryRun: opts.DryRun}}
	defer func() {
		if err != nil && !opts.DryRun {
			err = errors.Join(err, r.rollback())
		}
		if res != nil {
			res.Changes = r.res.Changes
		}
	}()
	if res.Found.NeedsHigherVersion() {
		from := pkg.Version
		next := config.NextPatch(from)
		if catalogVersion != "" && config.ValidVersion(catalogVersion) && !config.VersionLess(catalogVersion, from) {
			next = config.NextPatch(catalogVersion)
		}
		why := map[teamsapp.CatalogState]string{
			teamsapp.CatalogChanged:    "the catalog's " + catalogVersion + " was built from other settings or icons",
			teamsapp.CatalogUnrecorded: "the catalog's " + catalogVersion + " was uploaded by hand, so its content is not known",
			teamsapp.CatalogNewer:      "the catalog has " + catalogVersion,
		}[res.Found]
		err := r.change(fmt.Sprintf("raise Application Version from %s to %s: %s, and Graph takes only a higher version", from, next, why),
			func() error { return p.SetVersion(ctx, next) },
			func(ctx context.Context) error { return p.SetVersion(ctx, from) })
		if err != nil {
			return nil, err
		}
		if opts.DryRun {
			pkg.Version = next
		} else if pkg, err = p.Package(ctx); err != nil {
			return nil, fmt.Errorf("get the Teams app package from the plugin: %w", err)
		} else if pkg.Version != next {
			return nil, fmt.Errorf("the plugin builds version %s after Application Version was set to %s", pkg.Version, next)
		}
	}
	if entry == nil {
		err = r.change(fmt.Sprintf("publish version %s of the Teams app to the tenant's app catalog", pkg.Version),
			func() error { return g.publishApp(ctx, pkg.ZIP) }, nil)
	} else {
		err = r.change(fmt.Sprintf("upload version %s of the Teams app to the catalog, replacing %s", pkg.Version, catalogVersion),
			func() error { return g.updateApp(ctx, entry.ID, pkg.ZIP) }, nil)
	}
	if err != nil {
		return nil, explainCatalogError(err)
	}
	res.Version = pkg.Version
	if !opts.DryRun {
		if err := p.RecordUpload(ctx, teamsapp.Upload{Version: pkg.Version, Digest: pkg.Digest}); err != nil {
			// The catalog is up to date; only the System Console's view of it lags.
			opts.Warn(fmt.Sprintf("Telling the plugin about the upload failed (%v); its System Console may say the catalog is behind until the next run.", err))
		}
	}
	return res, nil
}

func (g *Graph) catalogApp(ctx context.Context, externalID string) (*graphwire.CatalogApp, error) {
	var list graphwire.CatalogList
	if err := g.do(ctx, http.MethodGet, graphwire.CatalogQuery(externalID), nil, &list); err != nil {
		return nil, fmt.Errorf("read the Teams app catalog: %w", explainCatalogError(err))
	}
	return list.Find(externalID), nil
}

func (g *Graph) publishApp(ctx context.Context, zip []byte) error {
	return g.upload(ctx, "/appCatalogs/teamsApps", zip)
}

func (g *Graph) updateApp(ctx context.Context, id string, zip []byte) error {
	return g.upload(ctx, "/appCatalogs/teamsApps/"+url.PathEscape(id)+"/appDefinitions", zip)
}

func (g *Graph) upload(ctx context.Context, path string, zip []byte) error {
	return graphwire.Do(ctx, g.HTTP, graphwire.Request{
		Method: http.MethodPost, URL: strings.TrimRight(g.BaseURL, "/") + "/v1.0" + path, Token: g.Token,
		Raw: zip, ContentType: "application/zip", MaxAnswer: maxAnswer,
	}, nil)
}

// MayPublish checks, before any change, what the token says of the
// signed-in administrator: the catalog scope, and a directory role that
// may publish without review.
func (g *Graph) MayPublish() error {
	claims, err := g.claims()
	if err != nil {
		return err
	}
	scopes := strings.Fields(claims.Scopes)
	if len(scopes) > 0 && !containsFold(scopes, CatalogScope) && !containsFold(scopes, "AppCatalog.ReadWrite.All") {
		return fmt.Errorf("the sign-in did not grant %s, which publishing the Teams app needs; sign in again, or run with -no-publish", CatalogScope)
	}
	if claims.Roles != nil && !containsFold(claims.Roles, teamsAdministratorRole) && !containsFold(claims.Roles, globalAdministratorRole) {
		return ErrNotTeamsAdmin
	}
	return nil
}

type tokenClaims struct {
	Scopes string `json:"scp"`
	// Roles are the user's directory roles (wids); nil when the token
	// does not say.
	Roles []string `json:"wids"`
}

func (g *Graph) claims() (tokenClaims, error) {
	var c tokenClaims
	parts := strings.Split(g.Token, ".")
	if len(parts) != 3 {
		return c, errors.New("the token is not a JWT access token")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, fmt.Errorf("read the token: %w", err)
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, fmt.Errorf("read the token: %w", err)
	}
	return c, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// explainCatalogError says in one sentence what a refusal means for an
// administrator.
func explainCatalogError(err error) error {
	var gerr *graphwire.Error
	if errors.As(err, &gerr) && gerr.Status == http.StatusForbidden {
		if strings.Contains(gerr.Message, "Administrator") || strings.Contains(gerr.Message, "admin") {
			return fmt.Errorf("%w (Graph said: %s)", ErrNotTeamsAdmin, gerr.Message)
		}
		return fmt.Errorf("graph refused the catalog request: %s; the sign-in needs %s", gerr.Message, CatalogScope)
	}
	return err
}
