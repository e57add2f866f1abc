// Package pages renders the plugin's HTML pages, each with a strict
// Content-Security-Policy and a fresh nonce per response, so that nothing but
// the plugin's own scripts runs in a page Microsoft's hosts frame.
package pages

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

var templates = template.Must(template.ParseFS(templateFiles, "templates/*.html"))

// Nonce returns a fresh random script nonce.
func Nonce() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetSecurityHeaders sets the headers every plugin HTML page carries. Only
// scripts marked with this response's nonce run, not any other script of
// this origin; styles come from the plugin itself; only the given
// Microsoft host origins may frame the page.
func SetSecurityHeaders(w http.ResponseWriter, nonce string, frameAncestors []string) {
	ancestors := "'none'"
	if len(frameAncestors) > 0 {
		ancestors = strings.Join(frameAncestors, " ")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", fmt.Sprintf(
		"default-src 'none'; script-src 'nonce-%[1]s'; style-src 'self' 'nonce-%[1]s'; "+
			"img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors %[2]s",
		nonce, ancestors))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// TabData is what the tab page needs to sign a person in.
type TabData struct {
	Nonce string
	// StaticBase is the URL path of the plugin's static files.
	StaticBase string
	// ExchangeURL is the sign-in endpoint.
	ExchangeURL string
	// RedeemURL trades an external login's one-time code for a session.
	RedeemURL string
	// SignOutURL ends the tab session on a failure the page finds itself.
	SignOutURL string
	// LinkPath is the popup's page where a person confirms a link; an
	// external login in the popup ends there too.
	LinkPath string
	// HomeURL is Mattermost's home page on this server.
	HomeURL string
	// LoginURL is Mattermost's own login page, the fallback.
	LoginURL string
	// SiteURL opens Mattermost outside the host when sign-in is stuck.
	SiteURL string
	// TenantID is the configured tenant; another tenant's context falls
	// back to the login.
	TenantID string
	// ValidOrigins are the host origins the Teams SDK may talk to.
	ValidOrigins []string
}

// RenderTab writes the tab page.
func RenderTab(w io.Writer, d TabData) error {
	if err := templates.ExecuteTemplate(w, "tab.html", d); err != nil {
		return fmt.Errorf("render tab page: %w", err)
	}
	return nil
}

// StaticFile returns one of the pages' own scripts or styles.
func StaticFile(name string) ([]byte, bool) {
	if strings.Contains(name, "/") || strings.HasPrefix(name, ".") {
		return nil, false
	}
	data, err := staticFiles.ReadFile("static/" + name)
	return data, err == nil
}

// LinkData is the popup's link confirmation page.
type LinkData struct {
	Nonce      string
	StaticBase string
	// ConfirmURL is where the confirmation is posted.
	ConfirmURL string
	// Flow is the tab's linking flow, posted back with the confirmation.
	Flow string
	// FlowTenant and FlowObject are the flow's Microsoft identity: the
	// page confirms only in a host signed in as that same person.
	FlowTenant, FlowObject string
	// The two accounts being linked.
	MicrosoftName, MicrosoftAccount     string
	MattermostUsername, MattermostEmail string
	// Problem, when set, is why nothing can be confirmed here.
	Problem string
	// SignInAgain, when set, is why the session this browser has cannot
	// confirm: the page then offers to end it (LogoutURL) and sign in
	// for the link (LoginURL).
	SignInAgain         string
	LoginURL, LogoutURL string
	ValidOrigins        []string
}

// RenderLink writes the link confirmation page.
func RenderLink(w io.Writer, d LinkData) error {
	if err := templates.ExecuteTemplate(w, "link.html", d); err != nil {
		return fmt.Errorf("render link confirmation page: %w", err)
	}
	return nil
}

// PreviewPost is one post as the notification preview shows it; HTML is
// already sanitised.
type PreviewPost struct {
	AuthorName string
	AvatarURL  string
	Channel    string
	Time       string
	ISOTime    string
	HTML       template.HTML
	OpenURL    string
}

// PreviewData is the notification preview page: a post, or why not.
type PreviewData struct {
	Nonce      string
	StaticBase string
	Post       *PreviewPost
	Error      string
	HomeURL    string
}

// RenderPreview writes the notification preview page.
func RenderPreview(w io.Writer, d PreviewData) error {
	if err := templates.ExecuteTemplate(w, "notification_preview.html", d); err != nil {
		return fmt.Errorf("render notification preview: %w", err)
	}
	return nil
}
