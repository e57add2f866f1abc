package config

import "fmt"

// Cloud names a Microsoft cloud environment as stored in the plugin settings.
type Cloud string

// The Microsoft clouds the plugin can talk to.
const (
	CloudCommercial Cloud = "commercial"
	CloudGCCHigh    Cloud = "gcchigh"
	CloudDoD        Cloud = "dod"
	CloudCustom     Cloud = "custom"
)

// Endpoints are the Microsoft hosts one cloud uses. Every Microsoft URL the
// plugin calls or links to is derived from these, so a sovereign or
// air-gapped cloud only needs this one struct.
type Endpoints struct {
	// AuthorityURL is the Entra login authority, without tenant.
	AuthorityURL string
	// GraphURL is the Microsoft Graph base URL, without version.
	GraphURL string
	// TeamsURL is the Teams web client, used for deep links.
	TeamsURL string
	// V1IssuerURL prefixes the issuer of v1 access tokens, which Entra
	// keeps on the old STS host even in the US government clouds.
	V1IssuerURL string
	// FrameAncestors are the origins of the Microsoft hosts that frame the
	// tab: Teams, Outlook and the Microsoft 365 app.
	FrameAncestors []string
}

// LegacyFrameAncestors are origins earlier versions of the plugin added to
// the server's frame ancestors, beyond today's lists.
var LegacyFrameAncestors = []string{"https://*.skype.com", "https://*.office365.com"}

// AllFrameAncestors is every origin a built-in cloud names, today's and
// earlier versions'.
func AllFrameAncestors() []string {
	out := append([]string(nil), LegacyFrameAncestors...)
	for _, c := range []Cloud{CloudCommercial, CloudGCCHigh, CloudDoD} {
		out = append(out, knownClouds[c].FrameAncestors...)
	}
	return out
}

// defaultV1IssuerURL is the v1 token issuer of the public and US
// government clouds, also assumed for a custom cloud.
const defaultV1IssuerURL = "https://sts.windows.net"

// knownClouds is the single table of public Microsoft cloud endpoints.
// GCC (moderate) shares the commercial endpoints; GCC High and DoD have their own.
var knownClouds = map[Cloud]Endpoints{
	CloudCommercial: {
		AuthorityURL: "https://login.microsoftonline.com",
		GraphURL:     "https://graph.microsoft.com",
		TeamsURL:     "https://teams.microsoft.com",
		V1IssuerURL:  defaultV1IssuerURL,
		// The hosts Microsoft's tab requirements name, and no others
		// (learn.microsoft.com/microsoftteams/platform/tabs/how-to/tab-requirements):
		// all hosts under *.cloud.microsoft, Teams, the Microsoft 365 app
		// and Outlook. The page's outlook-sdf hosts are Microsoft's own
		// pre-release ring and are left out.
		FrameAncestors: []string{
			"https://*.cloud.microsoft", "https://teams.microsoft.com", "https://*.teams.microsoft.com",
			"https://*.microsoft365.com", "https://*.office.com",
			"https://outlook.office.com", "https://outlook.office365.com",
		},
	},
	CloudGCCHigh: {
		AuthorityURL: "https://login.microsoftonline.us",
		GraphURL:     "https://graph.microsoft.us",
		TeamsURL:     "https://gov.teams.microsoft.us",
		V1IssuerURL:  defaultV1IssuerURL,
		FrameAncestors: []string{
			"https://gov.teams.microsoft.us", "https://*.teams.microsoft.us", "https://*.office365.us",
			"https://outlook.office365.us", "https://*.microsoft365.us",
		},
	},
	CloudDoD: {
		AuthorityURL: "https://login.microsoftonline.us",
		GraphURL:     "https://dod-graph.microsoft.us",
		TeamsURL:     "https://dod.teams.microsoft.us",
		V1IssuerURL:  defaultV1IssuerURL,
		FrameAncestors: []string{
			"https://dod.teams.microsoft.us", "https://*.teams.microsoft.us", "https://*.office365.us",
			"https://outlook-dod.office365.us", "https://*.microsoft365.us",
		},
	},
}

// CloudEndpoints returns the endpoints of a known cloud.
func CloudEndpoints(c Cloud) (Endpoints, error) {
	e, ok := knownClouds[c]
	if !ok {
		return Endpoints{}, fmt.Errorf("no built-in endpoints for cloud %q", c)
	}
	return e, nil
}
