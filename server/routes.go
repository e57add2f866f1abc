package main

import (
	"encoding/json"
	"net/http"

	"github.com/mattermost/mattermost/server/public/plugin"
)

func (p *Plugin) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.handleStatus)
	return mux
}

// ServeHTTP serves /plugins/<id>/... on the Mattermost server.
func (p *Plugin) ServeHTTP(_ *plugin.Context, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	p.router.ServeHTTP(w, r)
}

// maxRequestBody caps every request the plugin reads.
const maxRequestBody = 1 << 20

func (p *Plugin) handleStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"id": pluginID, "status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
