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
	// Tokens remember the one session each accepted token made.
	Tokens tokenSessions
	// Limits bound what callers can make sign-in write or log; nil for
	// none.
	Limits *Limits
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
	// SessionID and CurrentUserID are the valid session the request
	// already carries, if any, and its account.
	SessionID     string
	CurrentUserID string
	// CarriesCookies is whether the request came with Mattermost's session
	// cookies, valid or not (the server keeps the token cookie from the
	// plugin; the user and CSRF cookies show).
	CarriesCookies bool
}

// carried is what a request brought of a session: the valid session the
// server found, and whether session cookies came at all.
type carried struct {
	session *model.Session
	cookies bool
}

// Result tells the tab where to go and which cookies to keep. A refused
// sign-in's result carries the cookies that end the session the request
// came with.
type Result struct {
	Redirect string
	Cookies  []*http.Cookie
	UserID   string
	// SessionID is the session the tab is signed in to.
	SessionID string
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
	// ErrLimited means an identity asked for more than Limits allow.
	ErrLimited = errors.New("too many sign-ins for this Microsoft account in the last minute")
)

// Exchange validates the token, finds the account and signs the tab in.
// The tab shows a session only while the host's current token proves its
// account: the request's own session is kept only if the tab made it for
// the token's identity and account; any other outcome than a sign-in
// ends the tab session the request carries and deletes its cookies. When
// no account may be signed in to, the result also carries a linking flow
// for the token's identity, beside the error.
func (s *Service) Exchange(ctx context.Context, req Request) (*Result, error) {
	c := s.carried(req.SessionID, req.CurrentUserID, req.CarriesCookies)
	res, err := s.exchange(ctx, req, c.session)
	if err != nil {
		return s.signedOut(res, c), err
	}
	s.replaced(res, c)
	return res, nil
}

// replaced ends what a sign-in replaced in this browser: the tab session
// of another identity or account; and the unpartitioned cookies of a
// session of another account, or of one no longer valid, which the
// browser would send beside the new ones and the server might read
// first.
func (s *Service) replaced(res *Result, c carried) {
	current := c.session
	if res.Reused || (current != nil && current.Id == res.SessionID) {
		return
	}
	if IsTabSession(current) {
		s.endSession(current.Id)
	}
	if (current != nil && current.UserId != res.UserID) || (current == nil && c.cookies) {
		res.Cookies = append(ended(s.Cookie, false), res.Cookies...)
	}
}

// SignOut ends the tab session a request carries and gives the cookies
// that delete it, for a tab that found by itself that it cannot sign in
// (another tenant, no token, no SDK). Sessions the tab did not make are
// left to their owner; their cookies in this browser are deleted all the
// same, since the frame must show nobody.
func (s *Service) SignOut(sessionID, userID string, cookies bool) *Result {
	return s.signedOut(nil, s.carried(sessionID, userID, cookies))
}

// signedOut ends the tab session a refused request carried, and deletes
// its cookies: partitioned always, unpartitioned too when the request
// showed that this browser lets the frame see session cookies.
func (s *Service) signedOut(res *Result, c carried) *Result {
	if IsTabSession(c.session) {
		s.endSession(c.session.Id)
	}
	if res == nil {
		res = &Result{}
	}
	res.Cookies = Ended(s.Cookie, c.session != nil || c.cookies)
	return res
}

// carried reads the session a request carries.
func (s *Service) carried(sessionID, userID string, cookies bool) carried {
	c := carried{cookies: cookies}
	if sessionID == "" || s.Sessions == nil {
		return c
	}
	sess, appErr := s.Sessions.GetSession(sessionID)
	if appErr == nil && sess.UserId == userID {
		c.session = sess
	}
	return c
}

func (s *Service) exchange(ctx context.Context, req Request, current *model.Session) (*Result, error) {
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
	ident := kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}
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
	res := &Result{Redirect: target, UserID: match.User.Id, Rule: match.Rule}
	if MadeFor(current, match.User.Id, ident) {
		res.Reused, res.SessionID = true, current.Id
		return res, nil
	}
	session, err := s.signIn(req.Token, id, match.User)
	if err != nil {
		return nil, err
	}
	res.SessionID, res.Cookies = session.Id, Cookies(session, s.Cookie, s.now())
	s.Audit.SignedIn(match.User.Id, session.Id, match.Link, match.Rule, id.ClientApp.Name)
	return res, nil
}

// signIn gives the token its one session for u: the one it made before,
// if that still stands, or a new one. A removal of the link that races
// the sign-in either finds the new session or is found by it.
func (s *Service) signIn(token string, id *entra.Identity, u *model.User) (*model.Session, error) {
	ident := kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}
	session, err := s.sessionFor(token, id, u)
	if err != nil {
		return nil, err
	}
	holds, err := s.Matcher.Links.Holds(ident, u.Id)
	if err != nil || !holds {
		s.endSession(session.Id)
		return nil, errors.Join(ErrLinkChanged, err)
	}
	return session, nil
}

// ErrLinkChanged means the link was removed while the sign-in made its
// session.
var ErrLinkChanged = kvstore.ErrLinkChanged

// sessionFor is the token's one session. The common case, a token seen
// for the first time, costs one write beside the session: the token's
// record is claimed create-only after the session is made. A token seen
// before finds its record taken, and gets back the session it names if
// that still stands (the session just made ends unused, its cookies never
// sent); if that one has ended, the new one takes its place.
func (s *Service) sessionFor(token string, id *entra.Identity, u *model.User) (*model.Session, error) {
	ident := kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}
	key := tokenSessionKey(token)
	if !s.Limits.Session(ident) {
		// A replay is not a new session: it still gets its own back.
		if was, err := s.Tokens.get(key); err == nil {
			if sess := s.liveSession(was, u.Id, ident); sess != nil {
				return sess, nil
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrLimited, cut(ident.ObjectID))
	}
	now := s.now()
	sess, appErr := s.Sessions.CreateSession(NewSession(u, ident, s.Cookie.LengthHours, id.ClientApp.Name, now))
	if appErr != nil {
		return nil, fmt.Errorf("create session for %s: %w", u.Id, appErr)
	}
	ttl := tokenRecordTTL(id.ExpiresAt, now)
	was := ""
	for range 3 {
		claimed, err := s.Tokens.claim(key, was, sess.Id, ttl)
		if err != nil {
			s.endSession(sess.Id)
			return nil, err
		}
		if claimed {
			return sess, nil
		}
		if was, err = s.Tokens.get(key); err != nil {
			s.endSession(sess.Id)
			return nil, err
		}
		if other := s.liveSession(was, u.Id, ident); other != nil {
			s.endSession(sess.Id)
			return other, nil
		}
	}
	s.endSession(sess.Id)
	return nil, ErrTokenBusy
}

// liveSession is the session by ID if it still stands for the account
// and identity; nil otherwise.
func (s *Service) liveSession(sessionID, userID string, id kvstore.Identity) *model.Session {
	if sessionID == "" {
		return nil
	}
	sess, appErr := s.Sessions.GetSession(sessionID)
	if appErr != nil || !MadeFor(sess, userID, id) {
		return nil
	}
	return sess
}

// endSession revokes a session that must not outlive what it stood for.
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
