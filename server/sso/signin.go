package sso

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/account"
	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/site"
)

// API is the part of the plugin API sign-in uses.
type API interface {
	Users
	Sessions
	mmapi.KV
	kvstore.ExpiringKV
	AuditLog
	RevokeSession(sessionID string) *model.AppError
}

// SignIn keeps the sign-in service in step with the settings: one token
// validator, and so one signing key cache, for as long as the settings it
// depends on stay the same.
type SignIn struct {
	API API
	// DB is the server's database, for the one lookup the plugin API lacks.
	DB func() *sql.DB
	// PreviewPath is the notification preview's path below the site.
	PreviewPath string
	// OnLink and OnUnlink hear of every link made and removed.
	OnLink   func(userID string, link kvstore.Link)
	OnUnlink func(userID string, link kvstore.Link)
	// Finder lists an account's tab sessions; the server's sessions
	// table when nil.
	Finder TabSessionFinder

	limitsOnce sync.Once
	limits     *Limits
	grants     *account.GrantCache

	mu           sync.RWMutex
	validator    *entra.Validator
	validatorCfg entra.Config
}

// Configure keeps the validator for the settings and server
// configuration in force.
func (s *SignIn) Configure(settings config.Settings, server *model.Config) {
	want := ValidatorConfig(settings, model.SafeDereference(server.ServiceSettings.SiteURL))
	s.mu.Lock()
	defer s.mu.Unlock()
	if want != nil && s.validator != nil && want.SameTarget(s.validatorCfg) {
		return
	}
	if s.validator != nil {
		s.validator.Close()
		s.validator = nil
	}
	if want == nil {
		return
	}
	cfg := *want
	cfg.OnKeyError = func(err error) { s.API.LogWarn("Refreshing Entra signing keys failed", "error", err.Error()) }
	s.validator = entra.NewValidator(cfg)
	s.validatorCfg = *want
}

// Close stops the validator's background key refreshes.
func (s *SignIn) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.validator != nil {
		s.validator.Close()
		s.validator = nil
	}
}

// Links is the link store, telling the listeners of every change and
// writing one audit record for each. A removed or replaced link ends
// every tab session it signed in.
func (s *SignIn) Links() kvstore.Links {
	audit := Audit{Log: s.API}
	return kvstore.Links{KV: s.API,
		OnLink: func(userID string, link kvstore.Link) {
			audit.Linked(userID, link)
			if s.OnLink != nil {
				s.OnLink(userID, link)
			}
		},
		OnUnlink: func(userID string, link kvstore.Link, by string) error {
			// The link signs nobody in from here on, whatever follows.
			audit.Unlinked(userID, link, by)
			if s.OnUnlink != nil {
				s.OnUnlink(userID, link)
			}
			if err := EndSessions(s.finder(), s.API, userID, link); err != nil {
				s.API.LogError("Ending the sessions of a removed Microsoft account link failed; remove the link again", "user_id", userID, "error", err.Error())
				return err
			}
			return nil
		}}
}

func (s *SignIn) grantCache() *account.GrantCache {
	s.once()
	return s.grants
}

func (s *SignIn) finder() TabSessionFinder {
	if s.Finder != nil {
		return s.Finder
	}
	if s.DB == nil {
		return nil
	}
	return dbSessions{db: s.DB}
}

// GrantsTTL is how long an answer about what a set of roles may do is
// kept for sign-in: every sign-in through an email link asks whether the
// account may manage the system, and an admin's change to a role's
// permissions reaches sign-in within this time.
const GrantsTTL = 30 * time.Second

// Limits are this server's bounds on what unauthenticated callers can
// make it write or log.
func (s *SignIn) Limits() *Limits {
	s.once()
	return s.limits
}

func (s *SignIn) once() {
	s.limitsOnce.Do(func() {
		s.limits = NewLimits(s.API)
		s.grants = &account.GrantCache{Ask: s.API.RolesGrantPermission, TTL: GrantsTTL}
	})
}

// Service is the sign-in service for the settings in force, as snap
// holds them.
func (s *SignIn) Service(snap *config.Snapshot) *Service {
	s.mu.RLock()
	validator := s.validator
	s.mu.RUnlock()
	settings, server := snap.Settings, snap.Server
	if server == nil {
		server = &model.Config{}
		server.SetDefaults()
	}
	svc := &Service{
		Matcher: Matcher{
			Users:      s.API,
			Links:      s.Links(),
			ByAuthData: s.userByAuthData,
			MatchEmail: settings.MatchAccountsByEmail,
			Grants:     s.grantCache().Grants,
		},
		Sessions:    s.API,
		Tokens:      tokenSessions{KV: s.API},
		Limits:      s.Limits(),
		Codes:       kvstore.AuthCodes(s.API),
		Flows:       kvstore.LinkFlows(s.API),
		Cookie:      CookieOptionsFor(server, snap.Site),
		PreviewPath: s.PreviewPath,
		Audit:       Audit{Log: s.API},
	}
	if validator != nil {
		svc.Validator = validator
	}
	return svc
}

// ValidatorConfig is what the token validator needs from the settings and
// the site URL; nil while anything is missing.
func ValidatorConfig(s config.Settings, siteURL string) *entra.Config {
	if !s.CanSignIn() || siteURL == "" {
		return nil
	}
	endpoints, err := s.Endpoints()
	if err != nil || endpoints.AuthorityURL == "" {
		return nil
	}
	where, err := site.Parse(siteURL)
	if err != nil {
		return nil
	}
	return &entra.Config{
		AuthorityURL: endpoints.AuthorityURL,
		V1IssuerURL:  endpoints.V1IssuerURL,
		TenantID:     s.TenantID,
		ClientID:     s.ClientID,
		ResourceURI:  where.ResourceURI(s.ClientID),
	}
}

// CookieOptionsFor follows the server's cookie settings and its SSO
// session length, as Mattermost's own single sign-on does, for the site
// the server configuration names.
func CookieOptionsFor(cfg *model.Config, where site.Site) CookieOptions {
	o := CookieOptions{Path: "/", LengthHours: model.SafeDereference(cfg.ServiceSettings.SessionLengthSSOInHours)}
	if where.Subpath != "" {
		o.Path = where.Subpath
	}
	if where.Host != "" && model.SafeDereference(cfg.ServiceSettings.AllowCookiesForSubdomains) {
		o.Domain = where.Host
	}
	if o.LengthHours <= 0 {
		o.LengthHours = 30 * 24
	}
	return o
}

// userByAuthData finds an account that signs in through Entra (Office 365
// or OpenID) by the object ID Mattermost keeps as its auth data. The
// plugin API has no such lookup, so it reads the Users table directly.
func (s *SignIn) userByAuthData(objectID string) (string, error) {
	if s.DB == nil {
		return "", nil
	}
	// Mattermost runs on PostgreSQL only.
	const query = `SELECT Id FROM Users WHERE AuthService IN ('office365', 'openid') AND AuthData IN ($1, $2) AND DeleteAt = 0`
	var id string
	err := s.DB().QueryRow(query, strings.ToLower(objectID), strings.ToUpper(objectID)).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("query users by auth data: %w", err)
	}
	return id, nil
}
