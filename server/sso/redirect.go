package sso

import (
	"errors"
	"net/url"
	"path"
	"strings"
	"unicode"

	"github.com/mattermost/mattermost/server/public/model"
)

// Where the frame goes after sign-in is chosen by the Teams subPageId,
// which anyone can put in a deep link, so only paths on this server come out.
const (
	postPrefix    = "post:"
	previewPrefix = "preview:"
)

var errUnsafeTarget = errors.New("sub page is not a path on this server")

// Target turns a Teams subPageId into a path on this server, below subpath:
// "" is the home page, "post:<id>" a post's permalink, "preview:<id>" the
// notification preview, and a plain path is taken only if it stays on this
// server. Anything else is refused.
func Target(subPageID, subpath, previewPath string) (string, error) {
	subpath = strings.TrimRight(subpath, "/")
	switch {
	case subPageID == "":
		return subpath + "/", nil
	case strings.HasPrefix(subPageID, postPrefix):
		id := strings.TrimPrefix(subPageID, postPrefix)
		if !model.IsValidId(id) {
			return "", errUnsafeTarget
		}
		return subpath + "/_redirect/pl/" + id, nil
	case strings.HasPrefix(subPageID, previewPrefix):
		id := strings.TrimPrefix(subPageID, previewPrefix)
		if !model.IsValidId(id) {
			return "", errUnsafeTarget
		}
		return subpath + previewPath + "?post_id=" + id, nil
	}
	clean, err := localPath(subPageID)
	if err != nil {
		return "", err
	}
	return subpath + clean, nil
}

// localPath accepts an absolute path with no scheme, host, backslash or
// control character, even once percent-decoded, so that no browser reads it
// as another origin.
func localPath(p string) (string, error) {
	decoded := p
	for range 3 {
		next, err := url.PathUnescape(decoded)
		if err != nil {
			return "", errUnsafeTarget
		}
		if next == decoded {
			break
		}
		decoded = next
	}
	if strings.ContainsAny(decoded, "\\") || strings.IndexFunc(decoded, unicode.IsControl) >= 0 {
		return "", errUnsafeTarget
	}
	if !strings.HasPrefix(decoded, "/") || strings.HasPrefix(decoded, "//") {
		return "", errUnsafeTarget
	}
	u, err := url.Parse(decoded)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", errUnsafeTarget
	}
	clean := path.Clean(u.Path)
	if strings.HasPrefix(clean, "//") {
		return "", errUnsafeTarget
	}
	return (&url.URL{Path: clean}).EscapedPath(), nil
}
