package harness

import (
	"context"
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/v8/channels/app"
)

// User is an account on the test server with a logged-in client.
type User struct {
	*model.User
	Password string
	Client   *model.Client4
}

// CreateUser signs up an account through the API, verifies its email (as
// an account invited by email is) and logs it in. The first account on a
// server becomes its system admin, as in a real install.
func (s *Server) CreateUser(ctx context.Context, username, email, password string) (*User, error) {
	created, err := s.CreateUnverifiedUser(ctx, username, email, password)
	if err != nil {
		return nil, err
	}
	if err := s.VerifyEmail(created.Id, created.Email); err != nil {
		return nil, err
	}
	created.EmailVerified = true
	u := &User{User: created, Password: password}
	if err := u.Login(ctx, s); err != nil {
		return nil, err
	}
	return u, nil
}

// Login gives the user a fresh session on the server.
func (u *User) Login(ctx context.Context, s *Server) error {
	c := s.Client()
	if _, _, err := c.Login(ctx, u.Username, u.Password); err != nil {
		return fmt.Errorf("log in %s: %w", u.Username, err)
	}
	u.Client = c
	return nil
}

// CreateUnverifiedUser signs up an account through the API, as a person
// does with email verification off: its email is not verified.
func (s *Server) CreateUnverifiedUser(ctx context.Context, username, email, password string) (*model.User, error) {
	created, _, err := s.Client().CreateUser(ctx, &model.User{Username: username, Email: email, Password: password})
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", username, err)
	}
	return created, nil
}

// VerifyEmail marks an account's email verified, as following the link in
// Mattermost's verification email does.
func (s *Server) VerifyEmail(userID, email string) error {
	if appErr := app.New(app.ServerConnector(s.srv.Channels())).VerifyUserEmail(userID, email); appErr != nil {
		return fmt.Errorf("verify email of %s: %w", userID, appErr)
	}
	return nil
}

// SetMFAActive turns multi-factor authentication on for an account, as
// finishing its setup with an authenticator app does.
func (s *Server) SetMFAActive(userID string) error {
	if err := s.srv.Store().User().UpdateMfaActive(userID, true); err != nil {
		return fmt.Errorf("turn MFA on for %s: %w", userID, err)
	}
	app.New(app.ServerConnector(s.srv.Channels())).InvalidateCacheForUser(userID)
	return nil
}
