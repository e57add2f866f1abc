package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/shared/driver"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// validatorConfig is what the token validator needs from the settings and
// the site URL; nil while anything is missing.
func validatorConfig(s config.Settings, siteURL string) *entra.Config {
	if s.TenantID == "" || s.ClientID == "" || siteURL == "" {
		return nil
	}
	endpoints, err := s.Endpoints()
	if err != nil || endpoints.AuthorityURL == "" {
		return nil
	}
	u, err := url.Parse(siteURL)
	if err != nil || u.Host == "" {
		return nil
	}
	return &entra.Config{
		AuthorityURL: endpoints.AuthorityURL,
		V1IssuerURL:  endpoints.V1IssuerURL,
		TenantID:     s.TenantID,
		ClientID:     s.ClientID,
		ResourceURI:  "api://" + u.Host + strings.TrimRight(u.EscapedPath(), "/") + "/" + strings.ToLower(s.ClientID),
	}
}

// refreshValidator keeps one validator, and so one key cache, for as long
// as the settings it depends on stay the same.
func (p *Plugin) refreshValidator(s config.Settings, siteURL string) {
	want := validatorConfig(s, siteURL)
	p.mu.Lock()
	defer p.mu.Unlock()
	if want != nil && p.validator != nil && want.SameTarget(p.validatorCfg) {
		return
	}
	if p.validator != nil {
		p.validator.Close()
		p.validator = nil
	}
	if want == nil {
		return
	}
	cfg := *want
	cfg.OnKeyError = func(err error) { p.API.LogWarn("Refreshing Entra signing keys failed", "error", err.Error()) }
	p.validator = entra.NewValidator(cfg)
	p.validatorCfg = *want
}

// ssoService is the sign-in service for the settings and server in force.
func (p *Plugin) ssoService() *sso.Service {
	p.mu.RLock()
	validator, settings := p.validator, p.settings
	p.mu.RUnlock()
	cfg := p.serverConfig()
	svc := &sso.Service{
		Matcher: sso.Matcher{
			Users:      p.API,
			Links:      kvstore.Links{KV: p.API, OnLink: p.linked},
			ByAuthData: p.userByAuthData,
			MatchEmail: settings.MatchAccountsByEmail,
		},
		Sessions:    p.API,
		Codes:       kvstore.AuthCodes{KV: p.API},
		Cookie:      cookieOptions(cfg),
		PreviewPath: "/plugins/" + pluginID + teamsapp.PreviewPath,
	}
	if validator != nil {
		svc.Validator = validator
	}
	return svc
}

func cookieOptions(cfg *model.Config) sso.CookieOptions {
	o := sso.CookieOptions{Path: "/", LengthHours: model.SafeDereference(cfg.ServiceSettings.SessionLengthWebInHours)}
	if u, err := url.Parse(model.SafeDereference(cfg.ServiceSettings.SiteURL)); err == nil {
		if sub := strings.TrimRight(u.Path, "/"); sub != "" {
			o.Path = sub
		}
		if model.SafeDereference(cfg.ServiceSettings.AllowCookiesForSubdomains) {
			o.Domain = u.Hostname()
		}
	}
	if o.LengthHours <= 0 {
		o.LengthHours = 30 * 24
	}
	return o
}

// userByAuthData finds an account that signs in through Entra (Office 365
// or OpenID) by the object ID Mattermost keeps as its auth data. The plugin
// API has no such lookup, so it reads the Users table directly.
func (p *Plugin) userByAuthData(objectID string) (string, error) {
	// Mattermost runs on PostgreSQL only.
	const query = `SELECT Id FROM Users WHERE AuthService IN ('office365', 'openid') AND AuthData IN ($1, $2) AND DeleteAt = 0`
	var id string
	err := p.database().QueryRow(query, strings.ToLower(objectID), strings.ToUpper(objectID)).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("query users by auth data: %w", err)
	}
	return id, nil
}

// database is the server's database, through the plugin RPC driver.
func (p *Plugin) database() *sql.DB {
	p.dbOnce.Do(func() { p.db = sql.OpenDB(driver.NewConnector(p.Driver, true)) })
	return p.db
}
