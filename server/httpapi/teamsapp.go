package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

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
}

func (a *api) plan() (teamsapp.Input, []teamsapp.Problem) {
	return teamsapp.Plan(a.Snapshot().Settings, a.teamsServer(), a.PluginID)
}

func (a *api) packageStatus(w http.ResponseWriter, _ *http.Request) {
	in, problems := a.plan()
	st := packageStatus{Ready: len(problems) == 0, Problems: problems, Icons: map[string]iconStatus{}}
	if problems == nil {
		st.Problems = []teamsapp.Problem{}
		st.FileName = teamsapp.FileName(in.DisplayName, in.Version)
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

func (a *api) buildPackage(in teamsapp.Input) ([]byte, error) {
	colorPNG, err := a.iconOrDefault(icon.Color)
	if err != nil {
		return nil, err
	}
	outlinePNG, err := a.iconOrDefault(icon.Outline)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := teamsapp.Build(&buf, teamsapp.NewManifest(in), colorPNG, outlinePNG); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (a *api) iconOrDefault(kind icon.Kind) ([]byte, error) {
	custom, err := a.Icons.Get(kind)
	if err != nil || custom != nil {
		return custom, err
	}
	return icon.Default(kind), nil
}

func (a *api) getIcon(w http.ResponseWriter, r *http.Request) {
	kind, err := icon.ParseKind(r.PathValue("kind"))
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	data, err := a.iconOrDefault(kind)
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
