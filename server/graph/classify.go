package graph

import (
	"errors"
	"fmt"
	"net/http"
)

// Cause is what a failed request says about the requests that follow it.
type Cause int

// Causes, from the ones that pass to the ones an admin must fix.
const (
	// Transient failures may pass if the same request is tried again:
	// server errors, timeouts, an unreachable network, a token Graph
	// refused as expired or too short-lived (the client gets a new one).
	Transient Cause = iota
	// Throttled is Graph's 429: wait as Retry-After says.
	Throttled
	// Rejected means Graph refuses this request for good and trying it
	// again will not help, but the next request may pass: a recipient
	// without the Teams app or unknown to the tenant, a malformed request.
	Rejected
	// NoApp means the Teams app is not in the tenant's app catalog: no
	// request can pass until an admin uploads it.
	NoApp
	// NoConsent means the app token lacks a permission the request needs:
	// no request can pass until an admin grants consent.
	NoConsent
	// SignInRefused means Entra refuses the client credentials (a wrong
	// or expired secret, say): no request can even be made.
	SignInRefused
)

var causeNames = map[Cause]string{
	Transient: "transient", Throttled: "throttled", Rejected: "rejected",
	NoApp: "no_app", NoConsent: "no_consent", SignInRefused: "sign_in_refused",
}

func (c Cause) String() string { return causeNames[c] }

// MarshalText names the cause, so that stored causes survive a change in
// the order of the constants.
func (c Cause) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads a name MarshalText wrote; an unknown one reads as
// Transient.
func (c *Cause) UnmarshalText(b []byte) error {
	*c, _ = ParseCause(string(b))
	return nil
}

// ParseCause is the Cause named s, as String gives it.
func ParseCause(s string) (Cause, bool) {
	for c, name := range causeNames {
		if name == s {
			return c, true
		}
	}
	return Transient, false
}

// EveryRequest reports whether the cause stops every request, not only
// the one that met it: sending more only fails the same way.
func (c Cause) EveryRequest() bool { return c >= NoApp }

// ConsentError is Graph refusing a request (403) made with a token that
// lacks the application permission the request needs.
type ConsentError struct {
	Permission string
	Err        *Error
}

func (e *ConsentError) Error() string {
	return fmt.Sprintf("admin consent is missing for the application permission %s: %v", e.Permission, e.Err)
}

func (e *ConsentError) Unwrap() error { return e.Err }

// errAppReplaced means the Teams app was uploaded anew between finding
// its catalog ID and using it; the next request uses the new one.
var errAppReplaced = errors.New("the Teams app was uploaded anew; its catalog ID changed")

// Classify says what err, from any call of this client, means for the
// requests after it. It is the one place that reads Graph's and Entra's
// answers for their meaning.
func Classify(err error) Cause {
	var (
		consent *ConsentError
		te      *TokenError
		gerr    *Error
	)
	switch {
	case err == nil:
		return Transient
	case errors.Is(err, ErrNotInCatalog):
		return NoApp
	case errors.As(err, &consent):
		return NoConsent
	case errors.Is(err, errAppReplaced):
		return Transient
	case errors.As(err, &te):
		// Entra answers 400 or 401 for credentials it will never accept
		// (unknown tenant or client, wrong or expired secret); anything
		// else from it, 5xx above all, may pass.
		if te.Status == http.StatusBadRequest || te.Status == http.StatusUnauthorized {
			return SignInRefused
		}
		return Transient
	case errors.As(err, &gerr):
		return classifyStatus(gerr.Status)
	}
	// Timeouts, refused connections, cut answers.
	return Transient
}

func classifyStatus(status int) Cause {
	switch {
	case status == http.StatusTooManyRequests:
		return Throttled
	case status >= 500,
		// The client drops the token on these and gets a new one.
		status == http.StatusUnauthorized, status == http.StatusPreconditionFailed,
		status == http.StatusRequestTimeout:
		return Transient
	}
	// 400 (malformed, or recipients Graph does not accept), 403 with the
	// permission in the token (a recipient without the app), 404 with the
	// app still in the catalog (a recipient Graph does not know), 409 (two
	// Teams apps of one Entra app installed for a recipient).
	return Rejected
}
