// Package site is where Mattermost is served, read once from its Site URL:
// the one place that derives the origin, the subpath, the plugin's paths
// and the Application ID URI, for the plugin, the setup command and the
// sandbox alike.
package site

import (
	"fmt"
	"net/url"
	"strings"
)

// Site is a parsed Site URL.
type Site struct {
	// Scheme is "https", or "http" on a server without TLS.
	Scheme string
	// HostPort is the host and, if the URL names one, the port.
	HostPort string
	// Host is the host alone.
	Host string
	// Subpath is the escaped path Mattermost is served under: "" or "/chat".
	Subpath string
}

// Parse reads a Site URL.
func Parse(siteURL string) (Site, error) {
	if strings.TrimSpace(siteURL) == "" {
		return Site{}, fmt.Errorf("Site URL is not set")
	}
	u, err := url.Parse(siteURL)
	if err != nil || u.Host == "" || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") {
		return Site{}, fmt.Errorf("Site URL %q is not an absolute http or https URL", siteURL)
	}
	return Site{Scheme: u.Scheme, HostPort: u.Host, Host: u.Hostname(), Subpath: strings.TrimRight(u.EscapedPath(), "/")}, nil
}

// ParseHTTPS reads a Site URL that must use https, as Teams and the
// Microsoft sign-in require.
func ParseHTTPS(siteURL string) (Site, error) {
	s, err := Parse(siteURL)
	if err != nil {
		return Site{}, err
	}
	if s.Scheme != "https" {
		return Site{}, fmt.Errorf("Site URL %q must use https: Teams loads tabs only over https", siteURL)
	}
	return s, nil
}

// Origin is the site's scheme, host and port; "" for a zero Site.
func (s Site) Origin() string {
	if s.HostPort == "" {
		return ""
	}
	return s.Scheme + "://" + s.HostPort
}

// Home is the path of Mattermost's home page.
func (s Site) Home() string { return s.Subpath + "/" }

// PluginPath is the path of a route below a plugin's root.
func (s Site) PluginPath(pluginID, path string) string {
	return s.Subpath + "/plugins/" + pluginID + path
}

// PluginURL is the absolute URL of a route below a plugin's root.
func (s Site) PluginURL(pluginID, path string) string {
	return s.Origin() + s.PluginPath(pluginID, path)
}

// ResourceURI is the Application ID URI the admin sets under "Expose an
// API": api://<host[:port]><subpath>/<client ID>, the client ID in lower
// case as Entra shows it.
func (s Site) ResourceURI(clientID string) string {
	return "api://" + s.HostPort + s.Subpath + "/" + strings.ToLower(clientID)
}

// ConsoleURL is the absolute URL of a plugin's page in the System Console.
func (s Site) ConsoleURL(pluginID string) string {
	return s.Origin() + s.Subpath + "/admin_console/plugins/plugin_" + pluginID
}
