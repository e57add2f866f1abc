package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// URLKind is what a URL setting must be, beyond an https URL.
type URLKind int

const (
	// URLPage is any https page: the publisher's website, privacy and
	// terms pages.
	URLPage URLKind = iota
	// URLBase is the base of an API, which the plugin appends paths to;
	// the Entra authority.
	URLBase
	// URLGraphBase is a Microsoft Graph base, without the API version the
	// plugin appends itself.
	URLGraphBase
	// URLOrigin is a scheme, host and port and nothing else: the Teams web
	// client, which becomes a frame-ancestors source.
	URLOrigin
)

// Characters that mean something to a Content-Security-Policy, an HTTP
// header or the server's own list parsing; none belongs in a URL an admin
// types, even percent-encoded ones are written as such.
const forbiddenURLChars = " \t\r\n;,'\"<>\\`*^{}|"

// hostLabel is one DNS label: letters, digits and inner hyphens.
var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// graphVersion is an API version a Graph base must not end with.
var graphVersion = regexp.MustCompile(`(?i)/(v[0-9]+(\.[0-9]+)?|beta)/?$`)

// ParseURL checks a URL setting strictly and returns it parsed: https, a
// host that is a DNS name or an IP address (no wildcard, no user info), an
// optional numeric port, nothing a header or policy would read as syntax,
// and what kind asks of the path. Every message names the field by label.
func ParseURL(label, raw string, kind URLKind) (*url.URL, error) {
	if i := strings.IndexAny(raw, forbiddenURLChars); i >= 0 {
		return nil, fmt.Errorf("%s %q contains %q, which no URL setting may contain", label, raw, string(raw[i]))
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsControl(r) || r > unicode.MaxASCII }) >= 0 {
		return nil, fmt.Errorf("%s %q contains a control or non-ASCII character; write the host in its ASCII (punycode) form", label, raw)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%s %q is not an absolute URL", label, raw)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("%s %q must use https", label, raw)
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return nil, fmt.Errorf("%s %q must not carry a user name or password", label, raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("%s %q must not have a query or a fragment", label, raw)
	}
	if err := checkHost(label, raw, u); err != nil {
		return nil, err
	}
	if strings.Contains(u.EscapedPath(), "%") {
		return nil, fmt.Errorf("%s %q must not contain percent-encoded characters", label, raw)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, fmt.Errorf("%s %q must not contain . or .. path segments", label, raw)
		}
	}
	switch kind {
	case URLOrigin:
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("%s %q must be an origin only, such as https://teams.example.com, with no path", label, raw)
		}
		u.Path = ""
	case URLGraphBase:
		if graphVersion.MatchString(u.Path) {
			return nil, fmt.Errorf("%s %q ends with an API version; enter the base without it, such as https://graph.example.com (the plugin adds /v1.0)", label, raw)
		}
	}
	return u, nil
}

func checkHost(label, raw string, u *url.URL) error {
	host := u.Hostname()
	if port := u.Port(); port != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return fmt.Errorf("%s %q has an invalid port", label, raw)
		}
	}
	if ip := net.ParseIP(host); ip != nil {
		return nil
	}
	if strings.HasPrefix(u.Host, "[") {
		return fmt.Errorf("%s %q has an invalid IPv6 address", label, raw)
	}
	name := strings.TrimSuffix(host, ".")
	if name == "" || len(name) > 253 {
		return fmt.Errorf("%s %q has an invalid host name", label, raw)
	}
	for _, l := range strings.Split(strings.ToLower(name), ".") {
		if !hostLabel.MatchString(l) {
			return fmt.Errorf("%s %q has an invalid host name (each part may hold only letters, digits and inner hyphens)", label, raw)
		}
	}
	return nil
}

// Origin is a URL setting's origin, scheme and host (with port), lower
// case; "" when the value does not parse.
func Origin(raw string) string {
	u, err := ParseURL("", raw, URLPage)
	if err != nil {
		return ""
	}
	return "https://" + strings.ToLower(u.Host)
}
