package msfake

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// entraError is the JSON body Entra's login endpoints answer errors with.
type entraError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes,omitempty"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri,omitempty"`
}

// writeError answers like Entra: an "AADSTS<code>: " prefixed description
// (when code is not 0) followed by the trace and correlation IDs and time.
func (c *Cloud) writeError(w http.ResponseWriter, status int, errName string, code int, desc string) {
	now := time.Now().UTC().Format("2006-01-02 15:04:05Z")
	e := entraError{
		Error:         errName,
		Timestamp:     now,
		TraceID:       newGUID(),
		CorrelationID: newGUID(),
	}
	if code != 0 {
		desc = fmt.Sprintf("AADSTS%d: %s", code, desc)
		e.ErrorCodes = []int{code}
		e.ErrorURI = fmt.Sprintf("%s/error?code=%d", c.url, code)
	}
	e.ErrorDescription = fmt.Sprintf("%s Trace ID: %s Correlation ID: %s Timestamp: %s",
		desc, e.TraceID, e.CorrelationID, now)
	writeJSON(w, status, noCache, e)
}

func (c *Cloud) writeInvalidTenant(w http.ResponseWriter, tenant string) {
	c.writeError(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf(
		"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
}

func (c *Cloud) notFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v1.0/") || strings.HasPrefix(r.URL.Path, "/beta/") {
		c.graphRoute(c.graphNotFound)(w, r)
		return
	}
	c.writeError(w, http.StatusNotFound, "invalid_request", 0, fmt.Sprintf(
		"The endpoint %s %s does not exist.", r.Method, r.URL.Path))
}

// newGUID is a random (version 4) GUID in Entra's lower-case form.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
