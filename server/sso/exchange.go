package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
)

// Validator checks an Entra access token.
type Validator interface {
	Validate(ctx context.Context, raw string) (*entra.Identity, error)
}

// Sessions creates Mattermost sessions.
type Sessions interface {
	CreateSession(s *model.Session) (*model.Session, *model.AppError)
}

// Service signs people in from the tab.
type Service struct {
	Validator   Validator
	Matcher     Matcher
	Sessions    Sessions
	Cookie      CookieOptions
	PreviewPath string
	Codes       Codes
	Now         func() time.Time
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
}

// Errors that end a sign-in; the tab then shows the normal login.
var (
	ErrNotConfigured = errors.New("sign-in with Microsoft is not configured")
	ErrBadTarget     = errors.New("the requested page is not on this server")
)

// Exchange validates the token, finds the account and makes a session,
// unless the request already has one for that account.
func (s *Service) Exchange(ctx context.Context, req Request) (*Result, error) {
	if s.Validator == nil {
		return nil, ErrNotConfigured
	}
	target, err := Target(req.SubPageID, s.Cookie.Path, s.PreviewPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrBadTarget, req.SubPageID)
	}
	id, err := s.Validator.Validate(ctx, req.Token)
	if err != nil {
		return nil, err
	}
	match, err := s.Matcher.Find(id)
	if err != nil {
		return nil, err
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
	res.Cookies = Cookies(session, s.Cookie, now)
	return res, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
