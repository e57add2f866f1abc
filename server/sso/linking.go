package sso

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// Linking ties a Microsoft account to a Mattermost account that email
// matching may not reach, through the person's own Mattermost login:
//
//  1. The tab's sign-in finds no account for its valid token; the plugin
//     starts a flow for that token's identity and hands the tab its
//     secret.
//  2. The host's popup opens the link page with the flow. The person signs
//     in to Mattermost there, sees both accounts named, and confirms with
//     a POST that carries the session's CSRF token. Only an interactive
//     browser session may confirm. The popup gets a one-time code.
//  3. The tab redeems the code with the flow's secret and a fresh token of
//     its own. The token's identity must be the flow's, so a code is
//     worth nothing to anyone but the tab that started the flow.
//
// The flow secret, the code and the token each travel alone through one
// party (the popup's URL, the host, the tab); all three are needed.

// Flow is a linking flow: who the tab's token named.
type Flow struct {
	TenantID string `json:"tid"`
	ObjectID string `json:"oid"`
	Name     string `json:"name,omitempty"`
	// Account is the Microsoft sign-in name the popup shows.
	Account string `json:"account,omitempty"`
	Guest   bool   `json:"guest,omitempty"`
}

func (f Flow) identity() kvstore.Identity {
	return kvstore.Identity{TenantID: f.TenantID, ObjectID: f.ObjectID}
}

// confirmation is what a code stands for: the flow, by digest, and the
// account that confirmed it.
type confirmation struct {
	FlowDigest string `json:"flow"`
	UserID     string `json:"user"`
}

// Refusals of a linking step.
var (
	ErrBadFlow = errors.New("linking flow is unknown or expired")
	ErrBadCode = errors.New("linking code is unknown, expired or used")
	// ErrWrongIdentity means the redeeming token is not the one the flow
	// started with.
	ErrWrongIdentity = errors.New("the token redeeming the code is not the one the linking flow started with")
)

func flowDigest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func (s *Service) startLink(id *entra.Identity) (string, error) {
	f := Flow{TenantID: id.TenantID, ObjectID: id.ObjectID, Name: cut(id.Name), Guest: id.Guest}
	if len(id.Emails) > 0 {
		f.Account = cut(id.Emails[0])
	}
	data, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("encode linking flow: %w", err)
	}
	secret, err := s.Flows.Issue(data)
	if err != nil {
		return "", fmt.Errorf("start linking flow: %w", err)
	}
	return secret, nil
}

// LinkFlow returns the flow a secret stands for.
func (s *Service) LinkFlow(secret string) (*Flow, error) {
	data, err := s.Flows.Peek(secret)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, ErrBadFlow
	}
	var f Flow
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode linking flow: %w", err)
	}
	return &f, nil
}

// ConfirmLink records that userID, signed in to an interactive session,
// approved the flow, and returns the one-time code for the tab. The
// caller has checked the session (see Interactive).
func (s *Service) ConfirmLink(flowSecret, userID string) (string, error) {
	if _, err := s.LinkFlow(flowSecret); err != nil {
		return "", err
	}
	if _, err := s.Matcher.user(userID, "linking"); err != nil {
		return "", err
	}
	data, err := json.Marshal(confirmation{FlowDigest: flowDigest(flowSecret), UserID: userID})
	if err != nil {
		return "", fmt.Errorf("encode linking code: %w", err)
	}
	code, err := s.Codes.Issue(data)
	if err != nil {
		return "", fmt.Errorf("issue linking code: %w", err)
	}
	return code, nil
}

// RedeemLink links the identity of the tab's token to the account that
// confirmed the flow, and signs the tab in to it.
func (s *Service) RedeemLink(ctx context.Context, code, flowSecret, token string) (*Result, error) {
	if s.Validator == nil {
		return nil, ErrNotConfigured
	}
	id, err := s.Validator.Validate(ctx, token)
	if err != nil {
		return nil, err
	}
	// Everything is checked before the code and the flow are used up, so
	// a wrong request cannot spend the person's own.
	data, err := s.Codes.Peek(code)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, ErrBadCode
	}
	var c confirmation
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("decode linking code: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(c.FlowDigest), []byte(flowDigest(flowSecret))) != 1 {
		return nil, fmt.Errorf("%w: the code was issued for another flow", ErrBadCode)
	}
	f, err := s.LinkFlow(flowSecret)
	if err != nil {
		return nil, err
	}
	ident := kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}
	if !f.identity().Equal(ident) {
		return nil, fmt.Errorf("%w (flow %s, token %s)", ErrWrongIdentity, cut(f.ObjectID), cut(id.ObjectID))
	}
	// Taken once: a second redemption racing this one finds nothing.
	if data, err := s.Codes.Take(code); err != nil || data == nil {
		return nil, errors.Join(ErrBadCode, err)
	}
	if data, err := s.Flows.Take(flowSecret); err != nil || data == nil {
		return nil, errors.Join(ErrBadFlow, err)
	}
	u, err := s.Matcher.user(c.UserID, "linking")
	if err != nil {
		return nil, err
	}
	link, err := s.Matcher.Links.Link(ident, u.Id, kvstore.RuleConfirmed)
	if err != nil {
		return nil, err
	}
	s.Audit.Linked(u.Id, link, u.Id)
	now := s.now()
	session, appErr := s.Sessions.CreateSession(NewSession(u, s.Cookie.LengthHours, id.ClientApp.Name, now))
	if appErr != nil {
		return nil, fmt.Errorf("create session for %s: %w", u.Id, appErr)
	}
	if err := s.Matcher.Links.AddSession(u.Id, link, session.Id); err != nil {
		s.endSession(session.Id)
		return nil, err
	}
	s.Audit.SignedIn(u.Id, session.Id, link, kvstore.RuleConfirmed, id.ClientApp.Name)
	home, _ := Target("", s.Cookie.Path, s.PreviewPath)
	return &Result{Redirect: home, Cookies: Cookies(session, s.Cookie, now), UserID: u.Id, Rule: kvstore.RuleConfirmed}, nil
}
