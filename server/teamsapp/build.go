package teamsapp

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/missioncollab/mattermost-plugin-m365/server/site"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp/icon"
)

// Input is everything a package is made from, all already validated.
type Input struct {
	AppID       string
	Version     string
	DisplayName string
	ClientID    string
	PluginID    string
	Site        site.Site
	Developer   Developer
}

const (
	shortDescription = "Mattermost for mission-critical collaboration, inside Microsoft 365."
	fullDescription  = "Use Mattermost inside Microsoft Teams, Outlook and the Microsoft 365 app for " +
		"incident response, command and control and DevSecOps: secure chat, Playbooks and Calls on a " +
		"self-hosted, data-sovereign server. You are signed in with your Microsoft account, and when " +
		"someone mentions or messages you in Mattermost, Teams tells you in your activity feed."
	accentColor = "#1E325C"
)

// NewManifest makes manifest.json's content.
func NewManifest(in Input) *Manifest {
	return &Manifest{
		Schema:          schemaURL,
		ManifestVersion: SchemaVersion,
		Version:         in.Version,
		ID:              strings.ToLower(in.AppID),
		Developer:       in.Developer,
		Name:            Name{Short: in.DisplayName, Full: in.DisplayName},
		Description:     Description{Short: shortDescription, Full: fullDescription},
		Icons:           Icons{Color: icon.Color.FileName(), Outline: icon.Outline.FileName()},
		AccentColor:     accentColor,
		StaticTabs: []StaticTab{
			{
				EntityID:   HomeEntityID,
				Name:       in.DisplayName,
				ContentURL: in.Site.PluginURL(in.PluginID, TabPath),
				WebsiteURL: in.Site.Origin() + in.Site.Home(),
				Scopes:     []string{"personal"},
			},
			{
				EntityID:   PreviewEntityID,
				Name:       "Notifications",
				ContentURL: in.Site.PluginURL(in.PluginID, PreviewPath),
				WebsiteURL: in.Site.Origin() + in.Site.Home(),
				Scopes:     []string{"personal"},
			},
		},
		// A domain, not an origin, but with the site's port when it has
		// one: Teams clients on some platforms match the port too.
		ValidDomains:       []string{in.Site.HostPort},
		WebApplicationInfo: WebApplicationInfo{ID: strings.ToLower(in.ClientID), Resource: in.Site.ResourceURI(in.ClientID)},
		// Mattermost Calls needs the microphone, camera and screen sharing.
		DevicePermissions: []string{"media"},
		Authorization: Authorization{Permissions: AuthorizationPermissions{
			ResourceSpecific: []ResourceSpecificPermission{{Name: "TeamsActivity.Send.User", Type: "Application"}},
		}},
		Activities: activities(),
	}
}

// zipTime is every entry's timestamp, so the same settings and icons give
// the same bytes.
var zipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Build writes the app package: manifest.json, the two app icons and
// the activity types' icons.
func Build(w io.Writer, m *Manifest, colorPNG, outlinePNG []byte) error {
	var manifest bytes.Buffer
	enc := json.NewEncoder(&manifest)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	zw := zip.NewWriter(w)
	files := []struct {
		name string
		data []byte
	}{
		{"manifest.json", manifest.Bytes()},
		{m.Icons.Color, colorPNG},
		{m.Icons.Outline, outlinePNG},
	}
	for _, ai := range m.Activities.ActivityIcons {
		files = append(files, struct {
			name string
			data []byte
		}{ai.IconFile, icon.Activity(ai.ID)})
	}
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return fmt.Errorf("add %s: %w", f.name, err)
		}
		if _, err := fw.Write(f.data); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish package: %w", err)
	}
	return nil
}

// ContentDigest identifies what a package holds apart from its version:
// two packages with one digest differ in their version at most, so a
// catalog that has the digest's package needs no new upload. It hashes
// what Build writes (the activity icons follow from the manifest)
// without building the ZIP again.
func ContentDigest(m Manifest, colorPNG, outlinePNG []byte) (string, error) {
	m.Version = ""
	manifest, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode manifest: %w", err)
	}
	h := sha256.New()
	for _, part := range [][]byte{manifest, colorPNG, outlinePNG} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// FileName is the package's download name: the display name made safe for
// any file system, and the version.
func FileName(displayName, version string) string {
	var b strings.Builder
	dash := false
	// Decompose accented letters so "Équipe" keeps its E.
	for _, r := range norm.NFD.String(strings.ToLower(displayName)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimRight(b.String(), "-")
	if name == "" {
		name = "teams-app"
	}
	return name + "-" + version + ".zip"
}
