package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"

	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp/icon"
)

type iconStatus struct {
	Custom bool `json:"custom"`
}

type packageStatus struct {
	Ready    bool                  `json:"ready"`
	FileName string                `json:"fileName,omitempty"`
	Problems []teamsapp.Problem    `json:"problems"`
	Icons    map[string]iconStatus `json:"icons"`
	// AppID, Version and Digest are the package's (ContentDigest), when
	// it can be built.
	AppID   string `json:"appId,omitempty"`
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest,omitempty"`
	// Published is the upload the setup command last reported.
	Published *kvstore.Published `json:"published,omitempty"`
	// Catalog is how the tenant catalog's app compares with the package.
	Catalog *catalogView `json:"catalog,omitempty"`
}

type catalogView struct {
	Version string                `json:"version,omitempty"`
	State   teamsapp.CatalogState `json:"state,omitempty"`
	// Error is why the catalog could not be read.
	Error string `json:"error,omitempty"`
	// Command brings the catalog up to date.
	Command string `json:"command,omitempty"`
}

// PublishedStore remembers the package last uploaded to the catalog.
type PublishedStore interface {
	Get() (*kvstore.Published, error)
	Set(kvstore.Published) error
}

func (a *api) plan() (teamsapp.Input, []teamsapp.Problem) {
	return teamsapp.Plan(a.Snapshot().Settings, a.teamsServer(), a.PluginID)
}

func (a *api) packageStatus(w http.ResponseWriter, r *http.Request) {
	in, problems := a.plan()
	st := packageStatus{Ready: len(problems) == 0, Problems: problems, Icons: map[string]iconStatus{}}
	published, err := a.Published.Get()
	if err != nil {
		a.Log.LogError("Reading the published Teams app failed", "error", err.Error())
		writeError(w, http.StatusInternalServerError, "The published Teams app could not be read; see the server log.")
		return
	}
	st.Published = published
	if problems == nil {
		st.Problems = []teamsapp.Problem{}
		st.FileName = teamsapp.FileName(in.DisplayName, in.Version)
		st.AppID, st.Version = in.AppID, in.Version
		built, err := teamsapp.Assemble(in, a.Icons)
		if err != nil {
			a.Log.LogError("Building the Teams app package failed", "error", err.Error())
			writeError(w, http.StatusInternalServerError, "The Teams app package could not be built; see the server log.")
			return
		}
		st.Digest = built.Digest
		st.Catalog = a.catalogView(r.Context(), built.Package, published)
	}
	for _, kind := range []icon.Kind{icon.Color, icon.Outline} {
		custom, err := a.Icons.Get(kind)
		if err != nil {
			a.Log.LogError("Reading an uploaded icon failed", "kind", string(kind), "error", err.Error())
			writeError(w, http.StatusInternalServerError, "The uploaded icons could not be read; see the server log.")
			return
		}
		st.Icons[string(kind)] = iconStatus{Custom: custom != nil}
	}
	writeJSON(w, http.StatusOK, st)
}

func (a *api) downloadPackage(w http.ResponseWriter, _ *http.Request) {
	in, problems := a.plan()
	if len(problems) > 0 {
		writeJSON(w, http.StatusConflict, errorBody{
			Error:    "The Teams app package cannot be built until these settings are fixed and saved.",
			Problems: problems,
		})
		return
	}
	zip, err := a.buildPackage(in)
	if err != nil {
		a.Log.LogError("Building the Teams app package failed", "error", err.Error())
		writeError(w, http.StatusInternalServerError, "The Teams app package could not be built; see the server log.")
		return
	}
	name := teamsapp.FileName(in.DisplayName, in.Version)
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(zip)))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(zip)
}

// catalogView reads the tenant catalog's app, when Graph can be called.
func (a *api) catalogView(ctx context.Context, pkg teamsapp.Package, published *kvstore.Published) *catalogView {
	if a.CatalogVersion == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	version, err := a.CatalogVersion(ctx)
	if errors.Is(err, ErrNoGraph) {
		return nil
	}
	snap := a.Snapshot()
	v := &catalogView{Version: version, Command: teamsapp.SetupCommand(snap.Settings, snap.Site)}
	if err != nil && !errors.Is(err, graph.ErrNotInCatalog) {
		v.Error = err.Error()
		return v
	}
	var last *teamsapp.Upload
	if published != nil {
		last = &teamsapp.Upload{Version: published.Version, Digest: published.Digest}
	}
	v.State = teamsapp.CompareCatalog(version, pkg, last)
	return v
}

// ErrNoGraph means the settings cannot call Graph yet.
var ErrNoGraph = errors.New("the settings cannot call Microsoft Graph yet")

// recordPublished stores what the setup command uploaded to the catalog.
func (a *api) recordPublished(w http.ResponseWriter, r *http.Request) {
	var p kvstore.Published
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		writeError(w, http.StatusBadRequest, "The body must be JSON: {\"version\": \"1.0.0\", \"digest\": \"<64 hex digits>\"}.")
		return
	}
	if !config.ValidVersion(p.Version) {
		writeError(w, http.StatusBadRequest, "version must be MAJOR.MINOR.PATCH, such as 1.0.0.")
		return
	}
	if !digestPattern.MatchString(p.Digest) {
		writeError(w, http.StatusBadRequest, "digest must be the package's SHA-256 content digest, 64 lower-case hex digits.")
		return
	}
	p.At = time.Now().UnixMilli()
	if err := a.Published.Set(p); err != nil {
		a.Log.LogError("Storing the published Teams app failed", "error", err.Error())
		writeError(w, http.StatusInternalServerError, "The record could not be stored; see the server log.")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

var digestPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (a *api) buildPackage(in teamsapp.Input) ([]byte, error) {
	built, err := teamsapp.Assemble(in, a.Icons)
	return built.ZIP, err
}

func (a *api) getIcon(w http.ResponseWriter, r *http.Request) {
	kind, err := icon.ParseKind(r.PathValue("kind"))
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	data, err := teamsapp.IconOrDefault(a.Icons, kind)
	if err != nil {
		a.Log.LogError("Reading an uploaded icon failed", "kind", string(kind), "error", err.Error())
		writeError(w, http.StatusInternalServerError, "The icon could not be read; see the server log.")
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_, _ = w.Write(data)
}

func (a *api) putIcon(w http.ResponseWriter, r *http.Request) {
	kind, err := icon.ParseKind(r.PathValue("kind"))
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	// Read one byte past the limit, so an oversized upload is told apart
	// from one exactly at it, without reading the rest.
	data, err := io.ReadAll(io.LimitReader(r.Body, icon.MaxBytes+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || len(data) > icon.MaxBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "The "+string(kind)+" icon was refused: "+icon.ErrTooLarge.Error()+".")
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "The upload could not be read.")
		return
	}
	prepared, err := icon.Prepare(kind, data)
	if err != nil {
		writeError(w, http.StatusBadRequest, "The "+string(kind)+" icon was refused: "+err.Error()+".")
		return
	}
	if err := a.Icons.Set(kind, prepared); err != nil {
		a.Log.LogError("Storing an uploaded icon failed", "kind", string(kind), "error", err.Error())
		writeError(w, http.StatusInternalServerError, "The icon could not be stored; see the server log.")
		return
	}
	writeJSON(w, http.StatusOK, iconStatus{Custom: true})
}

func (a *api) deleteIcon(w http.ResponseWriter, r *http.Request) {
	kind, err := icon.ParseKind(r.PathValue("kind"))
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err := a.Icons.Delete(kind); err != nil {
		a.Log.LogError("Removing an uploaded icon failed", "kind", string(kind), "error", err.Error())
		writeError(w, http.StatusInternalServerError, "The icon could not be removed; see the server log.")
		return
	}
	writeJSON(w, http.StatusOK, iconStatus{Custom: false})
}
