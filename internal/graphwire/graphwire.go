// Package graphwire sends one Microsoft Graph request and reads its
// answer: the wire format the plugin (with app tokens) and the setup
// command (with an administrator's delegated token) share, and the one
// error type both return for an answer other than success.
package graphwire

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an answer from Graph other than success.
type Error struct {
	Method string
	// Path is the request's path, without its query.
	Path       string
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
	// Roles are the app permissions in the token a 403 answered, where
	// the caller read them: with them, a refusal is about the request,
	// not about consent.
	Roles []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("graph: %s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// Request is one Graph call.
type Request struct {
	Method string
	// URL is the full URL: base, version and path.
	URL   string
	Token string
	// Body is encoded as JSON when not nil.
	Body any
	// Raw, with its ContentType, is sent as it is instead (a Teams app
	// package, say).
	Raw         []byte
	ContentType string
	// MaxAnswer caps what is read of the answer.
	MaxAnswer int64
}

// Do sends r and decodes a JSON answer into out, if out is not nil.
func Do(ctx context.Context, hc *http.Client, r Request, out any) error {
	path := r.URL
	if i := strings.Index(path, "://"); i >= 0 {
		if j := strings.Index(path[i+3:], "/"); j >= 0 {
			path = path[i+3+j:]
		}
	}
	path, _, _ = strings.Cut(path, "?")
	var body io.Reader
	contentType := ""
	switch {
	case r.Raw != nil:
		body, contentType = bytes.NewReader(r.Raw), r.ContentType
	case r.Body != nil:
		data, err := json.Marshal(r.Body)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", r.Method, path, err)
		}
		body, contentType = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return fmt.Errorf("build %s %s: %w", r.Method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.Method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.MaxAnswer))
	if err != nil {
		return fmt.Errorf("read %s %s: %w", r.Method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return DecodeError(r.Method, path, resp.StatusCode, resp.Header.Get("Retry-After"), data)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode %s %s: %w", r.Method, path, err)
		}
	}
	return nil
}

// DecodeError reads Graph's answer other than success: its status, its
// JSON error body and its Retry-After. A JSON batch gives each request's
// answer in the same parts.
func DecodeError(method, path string, status int, retryAfter string, data []byte) *Error {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(data, &body)
	e := &Error{Method: method, Path: path, Status: status, Code: body.Error.Code, Message: body.Error.Message}
	if e.Code == "" {
		e.Code = http.StatusText(status)
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && secs >= 0 {
		e.RetryAfter = MaxRetryAfter
		if secs < int(MaxRetryAfter/time.Second) {
			e.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	return e
}

// MaxRetryAfter caps the wait a Retry-After asks for. Graph asks for
// seconds; a longer wait, from a proxy's mistake or a hostile answer,
// would hold every notification of every server (the wait is shared), so
// the request is tried again after this at the latest, and waits again if
// Graph still refuses it.
const MaxRetryAfter = 5 * time.Minute
