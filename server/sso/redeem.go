package sso

import (
	"errors"
	"fmt"
)

// Codes hands sign-ins from the host's popup to the tab's frame.
type Codes interface {
	Redeem(code string) (string, error)
}

// ErrBadCode means the code is unknown, expired or already used.
var ErrBadCode = errors.New("sign-in code is unknown, expired or used")

// Redeem makes a session in the tab's frame for the account an external
// login in the popup signed in to.
func (s *Service) Redeem(code string) (*Result, error) {
	if s.Codes == nil {
		return nil, ErrNotConfigured
	}
	userID, err := s.Codes.Redeem(code)
	if err != nil {
		return nil, err
	}
	if userID == "" {
		return nil, ErrBadCode
	}
	match, err := s.Matcher.usable(userID, "external login")
	if err != nil {
		return nil, err
	}
	now := s.now()
	session, appErr := s.Sessions.CreateSession(NewSession(match.User, s.Cookie.LengthHours, "external login", now))
	if appErr != nil {
		return nil, fmt.Errorf("create session for %s: %w", userID, appErr)
	}
	home, _ := Target("", s.Cookie.Path, s.PreviewPath)
	return &Result{Redirect: home, Cookies: Cookies(session, s.Cookie, now), UserID: userID, Rule: match.Rule}, nil
}
