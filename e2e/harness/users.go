package harness

import (
	"context"
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"
)

// User is an account on the test server with a logged-in client.
type User struct {
	*model.User
	Password string
	Client   *model.Client4
}

// CreateUser signs up an account through the API and logs it in. The first
// account on a server becomes its system admin, as in a real install.
func (s *Server) CreateUser(ctx context.Context, username, email, password string) (*User, error) {
	created, _, err := s.Client().CreateUser(ctx, &model.User{Username: username, Email: email, Password: password})
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", username, err)
	}
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
