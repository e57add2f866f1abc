package httpapi

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
)

type redeemBody struct {
	Code string `json:"code"`
}

// redeem trades the one-time code an external login's popup handed back
// for a session in the tab's frame.
func (a *api) redeem(w http.ResponseWriter, r *http.Request) {
	if !a.jsonFromThisSite(w, r) {
		return
	}
	var body redeemBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Code == "" {
		writeError(w, http.StatusBadRequest, "The request must be JSON with a code.")
		return
	}
	res, err := a.SSO().Redeem(body.Code)
	a.answerSignIn(w, res, err)
}

// jsonFromThisSite refuses anything but a JSON request from this site's
// own pages, answering for itself.
func (a *api) jsonFromThisSite(w http.ResponseWriter, r *http.Request) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Send the request as JSON.")
		return false
	}
	if !a.sameOrigin(r) {
		writeError(w, http.StatusForbidden, "Cross-site sign-in requests are refused.")
		return false
	}
	return true
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
	if !a.jsonFromThisSite(w, r) {
		return
	}
	var body exchangeBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Token == "" {
		writeError(w, http.StatusBadRequest, "The request must be JSON with a token.")
		return
	}
	res, err := a.SSO().Exchange(r.Context(), sso.Request{
		Token:         body.Token,
		SubPageID:     body.SubPageID,
		CurrentUserID: r.Header.Get("Mattermost-User-Id"),
	})
	a.answerSignIn(w, res, err)
}

// answerSignIn sets the new session's cookies and names where the frame
// goes, or logs why sign-in failed and tells the client only that it did.
func (a *api) answerSignIn(w http.ResponseWriter, res *sso.Result, err error) {
	if err != nil {
		a.logSignInFailure(err)
		writeError(w, http.StatusUnauthorized, signInFailed)
		return
	}
	for _, c := range res.Cookies {
		http.SetCookie(w, c)
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": res.Redirect})
}

// sameOrigin refuses requests a browser marks as cross-site or that name
// another origin; requests without these headers (not from a browser) pass.
func (a *api) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	site, err := url.Parse(a.Server().SiteURL)
	if err != nil {
		return false
	}
	return origin == site.Scheme+"://"+site.Host
}

func (a *api) logSignInFailure(err error) {
	var refusal *entra.Refusal
	switch {
	case errors.As(err, &refusal):
		a.Log.LogWarn("Tab sign-in refused an Entra token", refusal.LogPairs()...)
	case errors.Is(err, sso.ErrNoAccount):
		a.Log.LogWarn("Tab sign-in found no Mattermost account", "reason", err.Error())
	case errors.Is(err, sso.ErrNotConfigured), errors.Is(err, sso.ErrBadTarget), errors.Is(err, sso.ErrBadCode):
		a.Log.LogWarn("Tab sign-in refused", "reason", err.Error())
	default:
		a.Log.LogError("Tab sign-in failed", "error", err.Error())
	}
}
