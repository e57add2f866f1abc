package appsetup

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/missioncollab/mattermost-plugin-m365/internal/graphwire"
)

// Graph calls Microsoft Graph with an administrator's delegated token.
type Graph struct {
	BaseURL string // e.g. https://graph.microsoft.com, without version
	Token   string
	HTTP    *http.Client
}

const maxAnswer = 4 << 20

// do sends a request and decodes a JSON answer into out, if given; an
// answer other than success is a *graphwire.Error.
func (g *Graph) do(ctx context.Context, method, path string, body, out any) error {
	return graphwire.Do(ctx, g.HTTP, graphwire.Request{
		Method: method, URL: strings.TrimRight(g.BaseURL, "/") + "/v1.0" + path, Token: g.Token, Body: body, MaxAnswer: maxAnswer,
	}, out)
}

// TenantID is the tenant the token was issued in.
func (g *Graph) TenantID() (string, error) {
	parts := strings.Split(g.Token, ".")
	if len(parts) != 3 {
		return "", errors.New("the token is not a JWT access token")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("read the token: %w", err)
	}
	var claims struct {
		TID string `json:"tid"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.TID == "" {
		return "", errors.New("the token names no tenant (tid)")
	}
	return claims.TID, nil
}
