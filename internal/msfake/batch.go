package msfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
)

// maxBatch is Graph's limit of requests in one JSON batch.
const maxBatch = 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// batch is POST /v1.0/$batch: each request runs as if sent alone, with
// the batch's token, and counts against its own throttling; one that
// depends on a failed request fails with 424. The batch answers 200 once
// it parses.
func (c *Cloud) batch(w http.ResponseWriter, r *http.Request, _ graphCaller) {
	var in struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&in); err != nil {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid batch payload: "+err.Error())
		return
	}
	if msg := batchProblem(in.Requests); msg != "" {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", msg)
		return
	}
	status := map[string]int{}
	out := make([]batchResponse, 0, len(in.Requests))
	for _, br := range in.Requests {
		resp := batchResponse{ID: br.ID}
		failedDep := false
		for _, dep := range br.DependsOn {
			if st, ok := status[strings.ToLower(dep)]; !ok || st >= 400 {
				failedDep = true
			}
		}
		if failedDep {
			resp.Status = http.StatusFailedDependency
			resp.Body, _ = json.Marshal(graphError{Error: graphErrorBody{Code: "FailedDependency", Message: "A request this one depends on failed."}})
		} else {
			resp = c.runInBatch(r, br)
		}
		status[strings.ToLower(br.ID)] = resp.Status
		out = append(out, resp)
	}
	graphHeaders(w, r)
	writeJSON(w, http.StatusOK, noCache, map[string]any{"responses": out})
}

func batchProblem(reqs []batchRequest) string {
	if len(reqs) == 0 {
		return "The batch has no requests."
	}
	if len(reqs) > maxBatch {
		return fmt.Sprintf("The batch has %d requests; at most %d are allowed.", len(reqs), maxBatch)
	}
	seen := map[string]bool{}
	for _, br := range reqs {
		id := strings.ToLower(br.ID)
		switch {
		case id == "":
			return "Every request of a batch needs an id."
		case seen[id]:
			return fmt.Sprintf("The batch repeats the request id '%s'.", br.ID)
		case br.Method == "" || br.URL == "":
			return fmt.Sprintf("Request '%s' needs a method and a url.", br.ID)
		case strings.Contains(br.URL, "://") || strings.Contains(strings.ToLower(br.URL), "$batch"):
			return fmt.Sprintf("Request '%s': the url must be relative to the version root, and not a batch.", br.ID)
		case len(br.Body) > 0 && br.Headers["Content-Type"] == "" && br.Headers["content-type"] == "":
			return fmt.Sprintf("Request '%s' has a body but no Content-Type header.", br.ID)
		}
		seen[id] = true
	}
	for _, br := range reqs {
		for _, dep := range br.DependsOn {
			if !seen[strings.ToLower(dep)] {
				return fmt.Sprintf("Request '%s' depends on '%s', which is not in the batch.", br.ID, dep)
			}
		}
	}
	return ""
}

// runInBatch serves one request of a batch through the cloud's routes.
func (c *Cloud) runInBatch(outer *http.Request, br batchRequest) batchResponse {
	inner, err := http.NewRequestWithContext(outer.Context(), strings.ToUpper(br.Method),
		"/v1.0/"+strings.TrimPrefix(br.URL, "/"), bytes.NewReader(br.Body))
	if err != nil {
		body, _ := json.Marshal(graphError{Error: graphErrorBody{Code: "BadRequest", Message: "Invalid url: " + err.Error()}})
		return batchResponse{ID: br.ID, Status: http.StatusBadRequest, Body: body}
	}
	for k, v := range br.Headers {
		inner.Header.Set(k, v)
	}
	inner.Header.Set("Authorization", outer.Header.Get("Authorization"))
	rec := httptest.NewRecorder()
	c.mux.ServeHTTP(rec, inner)
	resp := batchResponse{ID: br.ID, Status: rec.Code, Headers: map[string]string{}}
	for _, h := range []string{"Content-Type", "Retry-After", "Location"} {
		if v := rec.Header().Get(h); v != "" {
			resp.Headers[h] = v
		}
	}
	if b := bytes.TrimSpace(rec.Body.Bytes()); len(b) > 0 && json.Valid(b) {
		resp.Body = b
	}
	return resp
}
