package sso

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"

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
//     a POST that carries the session's CSRF token. Only a login made
//     for the link may confirm: an interactive browser session that
//     began after the flow did, never one the browser had before, nor a
//     tab session. The popup gets a one-time code.
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
	// Started is when the flow began, in Unix milliseconds: only a login
	// made after it may confirm it.
	Started int64 `json:"started"`
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
	// ErrStaleLogin means the session confirming a link was not made by
	// a login for it.
	ErrStaleLogin = errors.New("only a Mattermost login made in this window after the link was asked for may confirm it")
)

func flowDigest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func (s *Service) startLink(id *entra.Identity) (string, error) {
	if !s.Limits.Flow(kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}) {
		return "", fmt.Errorf("%w: no linking flow for %s", ErrLimited, cut(id.ObjectID))
	}
	f := Flow{TenantID: id.TenantID, ObjectID: id.ObjectID, Name: cut(id.Name), Guest: id.Guest, Started: s.now().UnixMilli()}
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

// FreshLogin accepts a session only if a person signed in to it in a
// browser for this flow: after the flow started, and not in the tab. The
// flow's start and the login are stamped by whichever server of a
// cluster served each, whose clocks Mattermost already needs in step.
func FreshLogin(sess *model.Session, f *Flow) error {
	if err := BrowserSession(sess); err != nil {
		return err
	}
	switch {
	case IsTabSession(sess):
		return fmt.Errorf("%w: a tab session", ErrStaleLogin)
	case sess.CreateAt < f.Started:
		return fmt.Errorf("%w: the session began before the link was asked for", ErrStaleLogin)
	}
	return nil
}

// ConfirmLink records that the session's person approved the flow, and
// returns the one-time code for the tab. The caller has checked that the
// request is the session's own (see Interactive); this checks that the
// session is a login made for the link (FreshLogin).
func (s *Service) ConfirmLink(flowSecret string, sess *model.Session) (string, error) {
	f, err := s.LinkFlow(flowSecret)
	if err != nil {
		return "", err
	}
	if err := FreshLogin(sess, f); err != nil {
		return "", err
	}
	userID := sess.UserId
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

// Redeem is the tab's redemption of a confirmed link.
type Redeem struct {
	Code, Flow, Token string
	// SessionID and CurrentUserID are the session the tab's request
	// carries, as for Exchange.
	SessionID      string
	CurrentUserID  string
	CarriesCookies bool
}

// RedeemLink links the identity of the tab's token to the account that
// confirmed the flow, and signs the tab in to it. Like Exchange, any
// other outcome ends the tab session the request carries.
func (s *Service) RedeemLink(ctx context.Context, r Redeem) (*Result, error) {
	c := s.carried(r.SessionID, r.CurrentUserID, r.CarriesCookies)
	res, err := s.redeem(ctx, r)
	if err != nil {
		return s.signedOut(nil, c), err
	}
	s.replaced(res, c)
	return res, nil
}

func (s *Service) redeem(ctx context.Context, r Redeem) (*Result, error) {
	if s.Validator == nil {
		return nil, ErrNotConfigured
	}
	id, err := s.Validator.Validate(ctx, r.Token)
	if err != nil {
		return nil, err
	}
	// Everything is checked before the code and the flow are used up, so
	// a wrong request cannot spend the person's own.
	c, err := s.confirmation(r.Code, r.Flow)
	if err != nil {
		return nil, err
	}
	f, err := s.LinkFlow(r.Flow)
	if err != nil {
		return nil, err
	}
	ident := kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}
	if !f.identity().Equal(ident) {
		return nil, fmt.Errorf("%w (flow %s, token %s)", ErrWrongIdentity, cut(f.ObjectID), cut(id.ObjectID))
	}
	// Taken once: a second redemption racing this one finds nothing.
	if data, err := s.Codes.Take(r.Code); err != nil || data == nil {
		return nil, errors.Join(ErrBadCode, err)
	}
	if data, err := s.Flows.Take(r.Flow); err != nil || data == nil {
		return nil, errors.Join(ErrBadFlow, err)
	}
	u, err := s.Matcher.user(c.UserID, "linking")
	if err != nil {
		return nil, err
	}
	link, _, err := s.Matcher.Links.Put(u.Id, kvstore.Link{Identity: ident, Rule: kvstore.RuleConfirmed, By: u.Id})
	if err != nil {
		return nil, err
	}
	session, err := s.signIn(r.Token, id, u)
	if err != nil {
		return nil, err
	}
	s.Audit.SignedIn(u.Id, session.Id, link, kvstore.RuleConfirmed, id.ClientApp.Name)
	home, _ := Target("", s.Cookie.Path, s.PreviewPath)
	return &Result{Redirect: home, Cookies: Cookies(session, s.Cookie, s.now()), UserID: u.Id, SessionID: session.Id, Rule: kvstore.RuleConfirmed}, nil
}

// confirmation reads what a code stands for, if it was issued for the
// flow.
func (s *Service) confirmation(code, flowSecret string) (*confirmation, error) {
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
	return &c, nil
}
