package entra

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// discoverJWKS reads the tenant's v2 OpenID discovery document and returns
// its signing key set URL, which must be https.
func discoverJWKS(ctx context.Context, client *http.Client, authority, tenant string) (string, error) {
	docURL := strings.TrimRight(authority, "/") + "/" + url.PathEscape(tenant) + "/v2.0/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return "", fmt.Errorf("discovery request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch OpenID discovery document %s: %w", docURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch OpenID discovery document %s: status %d", docURL, resp.StatusCode)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", fmt.Errorf("read OpenID discovery document: %w", err)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("discovery document names jwks_uri %q, not an https URL", doc.JWKSURI)
	}
	return doc.JWKSURI, nil
}
