package sso

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// SessionPropSource marks sessions made by the tab, so an admin can tell
// them apart in a user's session list; SessionPropTenant and
// SessionPropObject name the Entra identity the session was made for,
// which any reuse of it and the removal of its link go by.
const (
	SessionPropSource = "m365_tab"
	SessionPropTenant = "m365_tid"
	SessionPropObject = "m365_oid"
	platformName      = "Microsoft 365 tab"
)

// NewSession is a web session for the user, as Mattermost's own single
// sign-on makes one: it lasts the server's SSO session length. It records
// the Entra identity it is made for.
func NewSession(u *model.User, id kvstore.Identity, lengthHours int, hostApp string, now time.Time) *model.Session {
	s := &model.Session{UserId: u.Id, Roles: u.GetRawRoles()}
	s.ExpiresAt = now.Add(time.Duration(lengthHours) * time.Hour).UnixMilli()
	s.GenerateCSRF()
	s.AddProp(model.SessionPropPlatform, platformName)
	s.AddProp(model.SessionPropOs, "")
	s.AddProp(model.SessionPropBrowser, hostApp)
	s.AddProp(model.SessionPropIsGuest, strconv.FormatBool(u.IsGuest()))
	s.AddProp(SessionPropSource, "true")
	s.AddProp(SessionPropTenant, strings.ToLower(id.TenantID))
	s.AddProp(SessionPropObject, strings.ToLower(id.ObjectID))
	return s
}

// IsTabSession reports whether the tab made the session.
func IsTabSession(s *model.Session) bool {
	return s != nil && s.Props[SessionPropSource] == "true"
}

// MadeFor reports whether s is a live tab session made for this account
// and identity; a tab session made before sessions recorded their
// identity is made for nobody.
func MadeFor(s *model.Session, userID string, id kvstore.Identity) bool {
	if !IsTabSession(s) || s.IsExpired() || s.UserId != userID {
		return false
	}
	made := kvstore.Identity{TenantID: s.Props[SessionPropTenant], ObjectID: s.Props[SessionPropObject]}
	return made.ObjectID != "" && made.Equal(id)
}

// CookieOptions are the server settings cookies follow.
type CookieOptions struct {
	// Path is the site URL's subpath, or "/".
	Path string
	// Domain is set when the server allows cookies for subdomains.
	Domain string
	// LengthHours is ServiceSettings.SessionLengthSSOInHours: a tab
	// sign-in is a single sign-on.
	LengthHours int
}

// Cookies are the session cookies Mattermost's own login sets, made to
// work inside a Microsoft host's frame: Secure, SameSite=None and
// Partitioned, so browsers that block third-party cookies keep them,
// partitioned under the host. They last as long as the session.
func Cookies(s *model.Session, o CookieOptions, now time.Time) []*http.Cookie {
	maxAge := int((time.UnixMilli(s.ExpiresAt).Sub(now) + time.Second/2) / time.Second)
	if maxAge <= 0 {
		return ended(o, true)
	}
	expires := now.Add(time.Duration(maxAge) * time.Second)
	mk := func(name, value string, httpOnly bool) *http.Cookie {
		return &http.Cookie{
			Name: name, Value: value, Path: o.Path, Domain: o.Domain,
			MaxAge: maxAge, Expires: expires, HttpOnly: httpOnly,
			Secure: true, SameSite: http.SameSiteNoneMode, Partitioned: true,
		}
	}
	return []*http.Cookie{
		mk(model.SessionCookieToken, s.Token, true),
		mk(model.SessionCookieUser, s.UserId, false),
		mk(model.SessionCookieCsrf, s.GetCSRF(), false),
	}
}

// Ended are the cookies that delete the tab's session cookies in this
// browser: partitioned under the host, as the tab set them (a
// partitioned cookie is deleted only by a Set-Cookie that is itself
// Partitioned), and, with unpartitioned, those a login inside the frame
// may have left, which the frame would otherwise show. Unpartitioned
// cookies are shared with Mattermost's own pages where the browser allows
// third-party cookies, so they are deleted only when the request showed
// that this browser lets the frame see a session.
func Ended(o CookieOptions, unpartitioned bool) []*http.Cookie {
	out := ended(o, true)
	if unpartitioned {
		out = append(ended(o, false), out...)
	}
	return out
}

func ended(o CookieOptions, partitioned bool) []*http.Cookie {
	mk := func(name string, httpOnly bool) *http.Cookie {
		return &http.Cookie{
			Name: name, Value: "", Path: o.Path, Domain: o.Domain,
			MaxAge: -1, Expires: time.Unix(0, 0), HttpOnly: httpOnly,
			Secure: true, SameSite: http.SameSiteNoneMode, Partitioned: partitioned,
		}
	}
	return []*http.Cookie{
		mk(model.SessionCookieToken, true),
		mk(model.SessionCookieUser, false),
		mk(model.SessionCookieCsrf, false),
	}
}

// ErrNotInteractive means a request's session is not a person's own
// browser session, so it may not confirm a link.
var ErrNotInteractive = errors.New("not an interactive browser session")

// Interactive accepts a session only if a person signed in to it in a
// browser and this request carries its CSRF token both as a header and as
// the cookie the browser sent: never a personal access token, an OAuth
// app's token, a bot's session, or a token sent as a bearer header or in
// a URL, none of which come with the session's CSRF cookie.
func Interactive(s *model.Session, csrfHeader, csrfCookie string) error {
	if err := BrowserSession(s); err != nil {
		return err
	}
	want := s.GetCSRF()
	if want == "" || csrfHeader == "" || csrfCookie == "" {
		return fmt.Errorf("%w: no CSRF token", ErrNotInteractive)
	}
	if subtle.ConstantTimeCompare([]byte(csrfHeader), []byte(want)) != 1 ||
		subtle.ConstantTimeCompare([]byte(csrfCookie), []byte(want)) != 1 {
		return fmt.Errorf("%w: the CSRF token does not match the session", ErrNotInteractive)
	}
	return nil
}

// BrowserSession accepts the kinds of session a person signs in to in a
// browser; Interactive also checks that a request comes from one.
func BrowserSession(s *model.Session) error {
	if s == nil {
		return fmt.Errorf("%w: no session", ErrNotInteractive)
	}
	switch {
	case s.IsOAuth:
		return fmt.Errorf("%w: an OAuth app's token", ErrNotInteractive)
	case s.Props[model.SessionPropType] == model.SessionTypeUserAccessToken:
		return fmt.Errorf("%w: a personal access token", ErrNotInteractive)
	case s.Props[model.SessionPropType] != "":
		return fmt.Errorf("%w: a %s session", ErrNotInteractive, cut(s.Props[model.SessionPropType]))
	case s.Props[model.SessionPropIsBot] == model.SessionPropIsBotValue:
		return fmt.Errorf("%w: a bot's session", ErrNotInteractive)
	case s.IsExpired():
		return fmt.Errorf("%w: the session has expired", ErrNotInteractive)
	}
	return nil
}
