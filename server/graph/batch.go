package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/missioncollab/mattermost-plugin-m365/internal/graphwire"
)

// MaxBatch is Graph's limit of requests in one JSON batch.
const MaxBatch = 20

// BatchRequest is one request of a JSON batch; Path is relative to the
// version root ("/users?…").
type BatchRequest struct {
	Method, Path string
	Body         any
}

// BatchAnswer is one request's answer: Err is a *Error (with the inner
// status, code and Retry-After) unless it succeeded.
type BatchAnswer struct {
	Status int
	Body   json.RawMessage
	Err    error
}

type batchItem struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// Batch sends up to MaxBatch requests as one JSON batch and returns
// their answers in the order of reqs. Each request is throttled on its
// own: a 429 comes back as that request's answer.
func (c *Client) Batch(ctx context.Context, reqs []BatchRequest) ([]BatchAnswer, error) {
	if len(reqs) == 0 || len(reqs) > MaxBatch {
		return nil, fmt.Errorf("batch: %d requests; 1 to %d are allowed", len(reqs), MaxBatch)
	}
	in := struct {
		Requests []batchItem `json:"requests"`
	}{}
	for i, r := range reqs {
		item := batchItem{ID: strconv.Itoa(i), Method: r.Method, URL: r.Path, Body: r.Body}
		if r.Body != nil {
			item.Headers = map[string]string{"Content-Type": "application/json"}
		}
		in.Requests = append(in.Requests, item)
	}
	var out struct {
		Responses []struct {
			ID      string            `json:"id"`
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"responses"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1.0/$batch", in, &out); err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	// A refusal is about consent only if the token lacks the permission.
	var roles []string
	if tok, err := c.token(); err == nil {
		roles, _ = tokenRoles(tok)
	}
	answers := make([]BatchAnswer, len(reqs))
	got := make([]bool, len(reqs))
	for _, r := range out.Responses {
		i, err := strconv.Atoi(r.ID)
		if err != nil || i < 0 || i >= len(reqs) || got[i] {
			return nil, fmt.Errorf("batch: an answer to an unknown request %q", r.ID)
		}
		got[i] = true
		answers[i] = BatchAnswer{Status: r.Status, Body: r.Body}
		if r.Status/100 != 2 {
			e := innerError(reqs[i], r.Status, r.Headers, r.Body)
			if e.Status == http.StatusForbidden {
				e.Roles = roles
			}
			answers[i].Err = e
		}
	}
	for i, ok := range got {
		if !ok {
			return nil, fmt.Errorf("batch: no answer to request %d", i)
		}
	}
	return answers, nil
}

func innerError(r BatchRequest, status int, headers map[string]string, body json.RawMessage) *Error {
	var retryAfter string
	for k, v := range headers {
		if strings.EqualFold(k, "Retry-After") {
			retryAfter = v
		}
	}
	path, _, _ := strings.Cut(r.Path, "?")
	return graphwire.DecodeError(r.Method, path, status, retryAfter, body)
}

// DirectoryUser is a person as the directory lists them.
type DirectoryUser struct {
	ID                string `json:"id"`
	Mail              string `json:"mail"`
	UserPrincipalName string `json:"userPrincipalName"`
	UserType          string `json:"userType"`
	AccountEnabled    *bool  `json:"accountEnabled"`
}

// Guest reports whether the person is a guest of the tenant, by either
// of the marks Entra gives one; with neither property readable (a
// permission that omits userType) the UPN still tells.
func (u DirectoryUser) Guest() bool {
	return strings.EqualFold(u.UserType, "Guest") || strings.Contains(strings.ToUpper(u.UserPrincipalName), "#EXT#")
}

// Enabled reports whether the account may sign in; unknown counts as not.
func (u DirectoryUser) Enabled() bool { return u.AccountEnabled != nil && *u.AccountEnabled }

// UserLookup is what the directory holds for one email: the people whose
// mail or user principal name it is, or why it could not be read.
type UserLookup struct {
	Users []DirectoryUser
	Err   error
}

// UsersByEmail looks each email up in the directory, MaxBatch to a
// request, and returns what it found for each, in order.
func (c *Client) UsersByEmail(ctx context.Context, emails []string) ([]UserLookup, error) {
	out := make([]UserLookup, 0, len(emails))
	for start := 0; start < len(emails); start += MaxBatch {
		chunk := emails[start:min(start+MaxBatch, len(emails))]
		reqs := make([]BatchRequest, len(chunk))
		for i, email := range chunk {
			q := url.Values{
				"$filter": {"mail eq " + graphwire.ODataString(email) + " or userPrincipalName eq " + graphwire.ODataString(email)},
				"$select": {"id,mail,userPrincipalName,userType,accountEnabled"},
			}
			reqs[i] = BatchRequest{Method: http.MethodGet, Path: "/users?" + q.Encode()}
		}
		answers, err := c.Batch(ctx, reqs)
		if err != nil {
			return nil, c.forbiddenFor(err, "User.Read.All")
		}
		for _, a := range answers {
			if a.Err != nil {
				out = append(out, UserLookup{Err: c.forbiddenFor(a.Err, "User.Read.All")})
				continue
			}
			var body struct {
				Value []DirectoryUser `json:"value"`
			}
			if err := json.Unmarshal(a.Body, &body); err != nil {
				out = append(out, UserLookup{Err: fmt.Errorf("decode user lookup: %w", err)})
				continue
			}
			out = append(out, UserLookup{Users: body.Value})
		}
	}
	return out, nil
}

// ErrUnknownUser means the directory has no such person (or the app is
// gone from the catalog: Graph answers both with 404).
var ErrUnknownUser = errors.New("no such user in the directory, or no such app in the catalog")

// Installed is one person's installation outcome: Err is nil when the
// app is installed, and Already says it was before this request.
type Installed struct {
	Already bool
	Err     error
}

// InstallFor installs the catalog app catalogID for each person (Entra
// object IDs), MaxBatch to a request, and returns each one's outcome in
// order. Graph's "already installed" (409) is success.
func (c *Client) InstallFor(ctx context.Context, catalogID string, objectIDs []string) ([]Installed, error) {
	bind := map[string]string{"teamsApp@odata.bind": strings.TrimRight(c.cfg.GraphURL, "/") + "/v1.0/appCatalogs/teamsApps/" + url.PathEscape(catalogID)}
	out := make([]Installed, 0, len(objectIDs))
	for start := 0; start < len(objectIDs); start += MaxBatch {
		chunk := objectIDs[start:min(start+MaxBatch, len(objectIDs))]
		reqs := make([]BatchRequest, len(chunk))
		for i, oid := range chunk {
			reqs[i] = BatchRequest{Method: http.MethodPost, Path: "/users/" + url.PathEscape(oid) + "/teamwork/installedApps", Body: bind}
		}
		answers, err := c.Batch(ctx, reqs)
		if err != nil {
			return nil, c.forbiddenFor(err, installPermissions...)
		}
		for _, a := range answers {
			switch {
			case a.Err == nil:
				out = append(out, Installed{})
			case a.Status == http.StatusConflict:
				out = append(out, Installed{Already: true})
			case a.Status == http.StatusNotFound:
				out = append(out, Installed{Err: fmt.Errorf("%w: %w", ErrUnknownUser, a.Err)})
			default:
				out = append(out, Installed{Err: c.forbiddenFor(a.Err, installPermissions...)})
			}
		}
	}
	return out, nil
}

// installPermissions are the application permissions that install the
// app for a person, the least privileged first: it installs only the
// Teams app whose manifest names this Entra app.
var installPermissions = []string{"TeamsAppInstallation.ReadWriteSelfForUser.All", "TeamsAppInstallation.ReadWriteForUser.All"}
