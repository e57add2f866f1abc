package graphwire

import (
	"net/url"
	"strings"
)

// ODataString is s as an OData string literal.
func ODataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// CatalogApp is a Teams app of the tenant catalog and the version of
// its latest app definition.
type CatalogApp struct {
	ID      string
	Version string
}

// CatalogQuery is the request, below the version root, that finds the
// catalog app with manifest ID externalID and its versions; its answer
// decodes into a CatalogList.
func CatalogQuery(externalID string) string {
	return "/appCatalogs/teamsApps?$filter=" + url.QueryEscape("externalId eq "+ODataString(externalID)) +
		"&$expand=" + url.QueryEscape("appDefinitions($select=version)")
}

// CatalogList is Graph's answer to CatalogQuery.
type CatalogList struct {
	Value []struct {
		ID             string `json:"id"`
		ExternalID     string `json:"externalId"`
		AppDefinitions []struct {
			Version string `json:"version"`
		} `json:"appDefinitions"`
	} `json:"value"`
}

// Find is the listed app with manifest ID externalID, or nil.
func (l CatalogList) Find(externalID string) *CatalogApp {
	for _, app := range l.Value {
		if strings.EqualFold(app.ExternalID, externalID) {
			out := &CatalogApp{ID: app.ID}
			if n := len(app.AppDefinitions); n > 0 {
				out.Version = app.AppDefinitions[n-1].Version
			}
			return out
		}
	}
	return nil
}
