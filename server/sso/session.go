package sso

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// SessionPropSource marks sessions made by the tab, so an admin can tell
// them apart in a user's session list.
const (
	SessionPropSource = "m365_tab"
	platformName      = "Microsoft 365 tab"
)

// NewSession is a web session for the user, as Mattermost's own login
// makes one, lasting the server's web session length.
func NewSession(u *model.User, lengthHours int, hostApp string, now time.Time) *model.Session {
	s := &model.Session{UserId: u.Id, Roles: u.GetRawRoles()}
	s.ExpiresAt = now.Add(time.Duration(lengthHours) * time.Hour).UnixMilli()
	s.GenerateCSRF()
	s.AddProp(model.SessionPropPlatform, platformName)
	s.AddProp(model.SessionPropOs, "")
	s.AddProp(model.SessionPropBrowser, hostApp)
	s.AddProp(model.SessionPropIsGuest, strconv.FormatBool(u.IsGuest()))
	s.AddProp(SessionPropSource, "true")
	return s
}

// CookieOptions are the server settings cookies follow.
type CookieOptions struct {
	// Path is the site URL's subpath, or "/".
	Path string
	// Domain is set when the server allows cookies for subdomains.
	Domain      string
	LengthHours int
}

// Cookies are the session cookies Mattermost's own login sets, made to
// work inside a Microsoft host's frame: Secure, SameSite=None and
// Partitioned, so browsers that block third-party cookies keep them,
// partitioned under the host.
func Cookies(s *model.Session, o CookieOptions, now time.Time) []*http.Cookie {
	maxAge := o.LengthHours * 60 * 60
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
