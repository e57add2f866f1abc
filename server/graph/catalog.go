package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/missioncollab/mattermost-plugin-m365/internal/graphwire"
)

// ErrNotInCatalog means the Teams app is not in the tenant's app catalog:
// an admin has not uploaded it yet, or removed it.
var ErrNotInCatalog = errors.New("the Teams app is not in the tenant's app catalog")

// TeamsAppID returns the catalog ID of the Teams app whose manifest ID is
// externalID, from memory after the first lookup.
func (c *Client) TeamsAppID(ctx context.Context, externalID string) (string, error) {
	key := strings.ToLower(externalID)
	c.mu.Lock()
	id, ok := c.catalog[key]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	app, err := c.CatalogApp(ctx, externalID)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.catalog[key] = app.ID
	c.mu.Unlock()
	return app.ID, nil
}

// CatalogApp is the Teams app in the tenant's catalog.
type CatalogApp = graphwire.CatalogApp

// CatalogApp finds the Teams app with manifest ID externalID and the
// version of its uploaded package.
func (c *Client) CatalogApp(ctx context.Context, externalID string) (*CatalogApp, error) {
	var list graphwire.CatalogList
	if err := c.do(ctx, http.MethodGet, "/v1.0"+graphwire.CatalogQuery(externalID), nil, &list); err != nil {
		return nil, fmt.Errorf("find the Teams app %s: %w", externalID,
			c.forbiddenFor(err, "AppCatalog.Read.All", "AppCatalog.ReadWrite.All"))
	}
	if app := list.Find(externalID); app != nil {
		return app, nil
	}
	return nil, fmt.Errorf("%w (Application ID %s)", ErrNotInCatalog, externalID)
}

// forgetTeamsApp drops a remembered catalog ID, after Graph answered 404:
// admins remove and upload the app again.
func (c *Client) forgetTeamsApp(externalID string) {
	c.mu.Lock()
	delete(c.catalog, strings.ToLower(externalID))
	c.mu.Unlock()
}
