package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
)

type sessionKey struct{}

// WithSessionID tells the handlers which session the server found for a
// request; the server strips the token itself before the plugin sees it.
func WithSessionID(ctx context.Context, sessionID string) context.Context {
	return context.WithValue(ctx, sessionKey{}, sessionID)
}

// carriesSessionCookies reports whether the request came with
// Mattermost's session cookies, valid or not: the server takes the token
// cookie away before the plugin sees a request, but leaves these.
func carriesSessionCookies(r *http.Request) bool {
	for _, name := range []string{model.SessionCookieUser, model.SessionCookieCsrf} {
		if _, err := r.Cookie(name); err == nil {
			return true
		}
	}
	return false
}

func sessionID(r *http.Request) string {
	id, _ := r.Context().Value(sessionKey{}).(string)
	return id
}

type exchangeBody struct {
	Token     string `json:"token"`
	SubPageID string `json:"subPageId"`
}

// signInFailed is all a refused client learns; the reason goes to the log.
const signInFailed = "Signing in with your Microsoft account did not work. Sign in with your Mattermost account instead."

// exchange trades an Entra token from the tab page for a Mattermost
// session. The token comes in a JSON body, never a URL; cross-site form
// posts cannot send JSON, and a cross-site fetch is refused by its headers.
func (a *api) exchange(w http.ResponseWriter, r *http.Request) {
	if !a.jsonFromThisSite(w, r, false) {
		return
	}
	var body exchangeBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Token == "" {
		writeError(w, http.StatusBadRequest, "The request must be JSON with a token.")
		return
	}
	svc := a.SSO()
	res, err := svc.Exchange(r.Context(), sso.Request{
		Token:          body.Token,
		SubPageID:      body.SubPageID,
		SessionID:      sessionID(r),
		CurrentUserID:  r.Header.Get("Mattermost-User-Id"),
		CarriesCookies: carriesSessionCookies(r),
	})
	a.answerSignIn(w, svc, res, err)
}

// signOut is the tab's own refusal (outside a host, another tenant, no
// token): the tab session the request carries ends and its cookies are
// deleted before the tab shows anything of Mattermost.
func (a *api) signOut(w http.ResponseWriter, r *http.Request) {
	if !a.jsonFromThisSite(w, r, true) {
		return
	}
	res := a.SSO().SignOut(sessionID(r), r.Header.Get("Mattermost-User-Id"), carriesSessionCookies(r))
	for _, c := range res.Cookies {
		http.SetCookie(w, c)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"signedOut": true})
}

type redeemBody struct {
	Code  string `json:"code"`
	Flow  string `json:"flow"`
	Token string `json:"token"`
}

// redeem finishes a link: the code the popup handed back, the flow the tab
// started and a fresh token of the tab's own become a link and a session
// in the tab's frame.
func (a *api) redeem(w http.ResponseWriter, r *http.Request) {
	if !a.jsonFromThisSite(w, r, true) {
		return
	}
	var body redeemBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Code == "" || body.Flow == "" || body.Token == "" {
		writeError(w, http.StatusBadRequest, "The request must be JSON with a code, a flow and a token.")
		return
	}
	svc := a.SSO()
	res, err := svc.RedeemLink(r.Context(), sso.Redeem{Code: body.Code, Flow: body.Flow, Token: body.Token,
		SessionID: sessionID(r), CurrentUserID: r.Header.Get("Mattermost-User-Id"), CarriesCookies: carriesSessionCookies(r)})
	a.answerSignIn(w, svc, res, err)
}

type confirmBody struct {
	Flow string `json:"flow"`
}

// confirmLink is the popup's confirmation: the signed-in person approves
// linking the flow's Microsoft account to their own.
func (a *api) confirmLink(w http.ResponseWriter, r *http.Request) {
	if !a.jsonFromThisSite(w, r, true) {
		return
	}
	userID := r.Header.Get("Mattermost-User-Id")
	if userID == "" {
		writeError(w, http.StatusUnauthorized, "Sign in to Mattermost first.")
		return
	}
	svc := a.SSO()
	sess, err := a.interactive(svc, r)
	if err != nil {
		a.Log.LogWarn("Linking a Microsoft account refused", "user_id", userID, "reason", err.Error())
		writeError(w, http.StatusForbidden, "Sign in to Mattermost in this window to link your account.")
		return
	}
	var body confirmBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Flow == "" {
		writeError(w, http.StatusBadRequest, "The request must be JSON with a flow.")
		return
	}
	code, err := svc.ConfirmLink(body.Flow, sess)
	if errors.Is(err, sso.ErrStaleLogin) {
		a.Log.LogWarn("Linking a Microsoft account refused", "user_id", userID, "reason", err.Error())
		writeError(w, http.StatusForbidden, "Sign in to Mattermost again in this window to link your account: a session this browser had before cannot confirm a link.")
		return
	}
	if err != nil {
		a.logSignInFailure(svc, err)
		if refused(err) {
			writeError(w, http.StatusBadRequest, "This link request is unknown or has expired, or your account cannot be linked. Close this window and try again from the tab.")
		} else {
			writeError(w, http.StatusInternalServerError, "Linking failed on the server. Close this window and try again.")
		}
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"code": code})
}

// interactive returns the request's session if it is the person's own
// browser session, with its CSRF token as header and cookie.
func (a *api) interactive(svc *sso.Service, r *http.Request) (*model.Session, error) {
	s, err := a.session(svc, r)
	if err != nil {
		return nil, err
	}
	var cookie string
	if c, err := r.Cookie(model.SessionCookieCsrf); err == nil {
		cookie = c.Value
	}
	return s, sso.Interactive(s, r.Header.Get(model.HeaderCsrfToken), cookie)
}

func (a *api) session(svc *sso.Service, r *http.Request) (*model.Session, error) {
	id := sessionID(r)
	if id == "" || svc.Sessions == nil {
		return nil, sso.ErrNotInteractive
	}
	s, appErr := svc.Sessions.GetSession(id)
	if appErr != nil {
		return nil, errors.Join(sso.ErrNotInteractive, appErr)
	}
	if s.UserId != r.Header.Get("Mattermost-User-Id") {
		return nil, sso.ErrNotInteractive
	}
	return s, nil
}

// jsonFromThisSite refuses anything but a JSON request from this site's
// own pages, answering for itself. With browserOnly, the request must say
// it is a browser's same-origin request; without, requests that carry
// no such headers pass.
func (a *api) jsonFromThisSite(w http.ResponseWriter, r *http.Request, browserOnly bool) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Send the request as JSON.")
		return false
	}
	if !sameOrigin(r, a.Snapshot().Site.Origin(), browserOnly) {
		writeError(w, http.StatusForbidden, "Cross-site sign-in requests are refused.")
		return false
	}
	return true
}

// answerSignIn sets the cookies the result carries (a new session's, or
// the deletion of the one the request came with) and names where the
// frame goes, or logs why sign-in failed and tells the client only that
// it did, and whether it may offer linking.
func (a *api) answerSignIn(w http.ResponseWriter, svc *sso.Service, res *sso.Result, err error) {
	if res != nil {
		for _, c := range res.Cookies {
			http.SetCookie(w, c)
		}
	}
	if err == nil {
		a.appOpened(res.UserID)
		writeJSON(w, http.StatusOK, map[string]string{"redirect": res.Redirect})
		return
	}
	a.logSignInFailure(svc, err)
	// "signedOut" tells the tab that this answer ended its session: any
	// other failure (a proxy's, the plugin not running) it must end itself.
	body := map[string]any{"error": signInFailed, "signedOut": true}
	status := http.StatusUnauthorized
	switch {
	case errors.Is(err, sso.ErrLimited):
		status = http.StatusTooManyRequests
	case !refused(err):
		status = http.StatusInternalServerError
	case res != nil && res.LinkFlow != "":
		body["linkFlow"] = res.LinkFlow
	}
	writeJSON(w, status, body)
}

// sameOrigin refuses requests a browser marks as cross-site or that name
// another origin. Requests without these headers (not from a browser)
// pass unless browserOnly, which asks for both: a same-origin fetch from
// this site's own pages. siteOrigin is "" while the Site URL is unset.
func sameOrigin(r *http.Request, siteOrigin string, browserOnly bool) bool {
	fetchSite := r.Header.Get("Sec-Fetch-Site")
	switch fetchSite {
	case "same-origin":
	case "", "none":
		if browserOnly {
			return false
		}
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return !browserOnly
	}
	return siteOrigin != "" && origin == siteOrigin
}

// refusals are what a sign-in or linking step refuses by its rules; any
// other error is the server's own failure.
var refusals = []error{sso.ErrNotConfigured, sso.ErrBadTarget, sso.ErrBadCode, sso.ErrBadFlow, sso.ErrWrongIdentity, sso.ErrNotInteractive,
	sso.ErrStaleLogin, sso.ErrLinkChanged, sso.ErrLimited}

func refused(err error) bool {
	var refusal *entra.Refusal
	if errors.As(err, &refusal) || errors.Is(err, sso.ErrNoAccount) {
		return true
	}
	for _, r := range refusals {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// logSignInFailure logs why a sign-in failed. Refusals, which anyone can
// cause without signing in, are logged within the service's limit;
// the server's own failures always.
func (a *api) logSignInFailure(svc *sso.Service, err error) {
	var refusal *entra.Refusal
	if refused(err) && !svc.Limits.Warn() {
		return
	}
	switch {
	case errors.As(err, &refusal):
		a.Log.LogWarn("Tab sign-in refused an Entra token", refusal.LogPairs()...)
	case errors.Is(err, sso.ErrNoAccount):
		a.Log.LogWarn("Tab sign-in found no Mattermost account", "reason", err.Error())
	case refused(err):
		a.Log.LogWarn("Tab sign-in refused", "reason", err.Error())
	default:
		a.Log.LogError("Tab sign-in failed", "error", err.Error())
	}
}

// appOpened takes a person who signed in from the Teams app off the list
// of people Teams refused notifications for: the app is there again.
func (a *api) appOpened(userID string) {
	if a.Refusals == nil || userID == "" {
		return
	}
	if err := a.Refusals.Clear(userID); err != nil {
		a.Log.LogWarn("Clearing a refused recipient after sign-in failed", "user_id", userID, "error", err.Error())
	}
}
