package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// Validator checks an Entra access token.
type Validator interface {
	Validate(ctx context.Context, raw string) (*entra.Identity, error)
}

// Sessions creates, reads and ends Mattermost sessions.
type Sessions interface {
	CreateSession(s *model.Session) (*model.Session, *model.AppError)
	GetSession(sessionID string) (*model.Session, *model.AppError)
	RevokeSession(sessionID string) *model.AppError
}

// Service signs people in from the tab.
type Service struct {
	Validator   Validator
	Matcher     Matcher
	Sessions    Sessions
	Cookie      CookieOptions
	PreviewPath string
	// Codes carry a confirmed link from the popup to the tab.
	Codes kvstore.Secrets
	// Flows are linking flows the tab started with its token.
	Flows kvstore.Secrets
	Audit Audit
	Now   func() time.Time
}

// Request is one sign-in attempt from the tab page.
type Request struct {
	Token     string
	SubPageID string
	// CurrentUserID is the account of a valid session the request already
	// carries, if any.
	CurrentUserID string
}

// Result tells the tab where to go and which cookies to keep.
type Result struct {
	Redirect string
	Cookies  []*http.Cookie
	UserID   string
	// Rule is how the account was found.
	Rule string
	// Reused is true when the request's own session was kept.
	Reused bool
	// LinkFlow, on a sign-in that found no account for a valid token,
	// lets the tab offer to link the person's own Mattermost login.
	LinkFlow string
}

// Errors that end a sign-in; the tab then shows the normal login.
var (
	ErrNotConfigured = errors.New("sign-in with Microsoft is not configured")
	ErrBadTarget     = errors.New("the requested page is not on this server")
)

// Exchange validates the token, finds the account and makes a session,
// unless the request already has one for that account. When no account
// may be signed in to, the result still carries a linking flow for the
// token's identity, beside the error.
func (s *Service) Exchange(ctx context.Context, req Request) (*Result, error) {
	if s.Validator == nil {
		return nil, ErrNotConfigured
	}
	target, err := Target(req.SubPageID, s.Cookie.Path, s.PreviewPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrBadTarget, cut(req.SubPageID))
	}
	id, err := s.Validator.Validate(ctx, req.Token)
	if err != nil {
		return nil, err
	}
	match, err := s.Matcher.Find(id)
	if errors.Is(err, ErrNoAccount) {
		flow, flowErr := s.startLink(id)
		if flowErr != nil {
			return nil, errors.Join(err, flowErr)
		}
		return &Result{LinkFlow: flow}, err
	}
	if err != nil {
		return nil, err
	}
	if match.NewLink {
		s.Audit.Linked(match.User.Id, match.Link, "")
	}
	res := &Result{Redirect: target, UserID: match.User.Id, Rule: match.Rule}
	if req.CurrentUserID == match.User.Id {
		res.Reused = true
		return res, nil
	}
	now := s.now()
	session, appErr := s.Sessions.CreateSession(NewSession(match.User, s.Cookie.LengthHours, id.ClientApp.Name, now))
	if appErr != nil {
		return nil, fmt.Errorf("create session for %s: %w", match.User.Id, appErr)
	}
	if err := s.Matcher.Links.AddSession(match.User.Id, match.Link, session.Id); err != nil {
		s.endSession(session.Id)
		return nil, err
	}
	res.Cookies = Cookies(session, s.Cookie, now)
	s.Audit.SignedIn(match.User.Id, session.Id, match.Link, match.Rule, id.ClientApp.Name)
	return res, nil
}

// endSession revokes a session made for a sign-in that then failed, so
// that nothing outlives the failure; the cookie was never sent anyway.
func (s *Service) endSession(sessionID string) {
	_ = s.Sessions.RevokeSession(sessionID)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// maxLoggedValue caps any value from a request that reaches the log.
const maxLoggedValue = 200

func cut(s string) string {
	if len(s) <= maxLoggedValue {
		return s
	}
	i := maxLoggedValue
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
