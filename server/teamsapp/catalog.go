package teamsapp

import (
	"bytes"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/site"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp/icon"
)

// CatalogState is how the tenant catalog's app compares with the package
// the plugin builds now.
type CatalogState string

// The states, from nothing to do to an upload needed.
const (
	// CatalogCurrent: the catalog holds this very package.
	CatalogCurrent CatalogState = "current"
	// CatalogUnrecorded: the catalog has this version, uploaded by hand,
	// so whether it holds these settings and icons is not known.
	CatalogUnrecorded CatalogState = "unrecorded"
	// CatalogChanged: the catalog has this version, built from other
	// settings or icons; the next upload needs a higher version.
	CatalogChanged CatalogState = "changed"
	// CatalogOlder: the settings name a higher version than the catalog's.
	CatalogOlder CatalogState = "older"
	// CatalogNewer: the catalog's version is higher than the settings'.
	CatalogNewer CatalogState = "newer"
	// CatalogMissing: the catalog has no app with the Application ID.
	CatalogMissing CatalogState = "missing"
)

// Package is the package the plugin builds now: its version and its
// content digest (ContentDigest).
type Package struct {
	Version, Digest string
}

// Upload is the package last uploaded to the catalog as reported, if any.
type Upload struct {
	Version, Digest string
}

// CompareCatalog says how the catalog's app (version "" when it has
// none) compares with pkg, given the last upload reported.
func CompareCatalog(catalogVersion string, pkg Package, last *Upload) CatalogState {
	switch {
	case catalogVersion == "":
		return CatalogMissing
	case !config.ValidVersion(catalogVersion) || !config.ValidVersion(pkg.Version):
		return CatalogUnrecorded
	case config.VersionLess(catalogVersion, pkg.Version):
		return CatalogOlder
	case config.VersionLess(pkg.Version, catalogVersion):
		return CatalogNewer
	case last == nil || last.Version != catalogVersion:
		return CatalogUnrecorded
	case last.Digest != pkg.Digest:
		return CatalogChanged
	}
	return CatalogCurrent
}

// NeedsUpload reports whether the catalog should be given the package:
// anything but the very package, as far as is known.
func (s CatalogState) NeedsUpload() bool { return s != CatalogCurrent }

// NeedsHigherVersion reports whether an upload needs a version above the
// catalog's first: Graph refuses a new definition that is not higher.
func (s CatalogState) NeedsHigherVersion() bool {
	return s == CatalogChanged || s == CatalogUnrecorded || s == CatalogNewer
}

// IconStore holds the admin's uploaded icons: nil for a kind means the default.
type IconStore interface {
	Get(kind icon.Kind) ([]byte, error)
}

// IconOrDefault is the uploaded icon of a kind, or the built-in one.
func IconOrDefault(icons IconStore, kind icon.Kind) ([]byte, error) {
	custom, err := icons.Get(kind)
	if err != nil || custom != nil {
		return custom, err
	}
	return icon.Default(kind), nil
}

// Built is a package as the plugin builds it now.
type Built struct {
	ZIP []byte
	Package
}

// Assemble builds the package for in with the uploaded icons, or the
// defaults, and its content digest.
func Assemble(in Input, icons IconStore) (Built, error) {
	images := map[icon.Kind][]byte{}
	for _, kind := range []icon.Kind{icon.Color, icon.Outline} {
		png, err := IconOrDefault(icons, kind)
		if err != nil {
			return Built{}, err
		}
		images[kind] = png
	}
	m := NewManifest(in)
	var buf bytes.Buffer
	if err := Build(&buf, m, images[icon.Color], images[icon.Outline]); err != nil {
		return Built{}, err
	}
	digest, err := ContentDigest(*m, images[icon.Color], images[icon.Outline])
	if err != nil {
		return Built{}, err
	}
	return Built{ZIP: buf.Bytes(), Package: Package{Version: in.Version, Digest: digest}}, nil
}

// SetupCommand is the setup command that brings the catalog up to date
// with the settings s on the site, run where a system admin's token is.
func SetupCommand(s config.Settings, on site.Site) string {
	cmd := "MM_ADMIN_TOKEN=<a system admin's token> m365-setup -site-url " + on.Origin() + on.Subpath +
		" -tenant " + s.TenantID + " -client-id " + s.ClientID
	if s.Cloud != config.CloudCommercial && s.Cloud != "" {
		cmd += " -cloud " + string(s.Cloud)
	}
	return cmd
}
