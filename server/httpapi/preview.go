package httpapi

import (
	"errors"
	"net/http"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/pages"
	"github.com/missioncollab/mattermost-plugin-m365/server/preview"
)

// previewPage is the notification preview tab. Without a session it is
// the tab page, which signs the person in and comes back here with the
// post; with one, it shows the post if the person may read it.
func (a *api) previewPage(w http.ResponseWriter, r *http.Request) {
	userID := r.Header.Get("Mattermost-User-Id")
	postID := r.URL.Query().Get("post_id")
	if userID == "" || postID == "" {
		a.tabPage(w, r)
		return
	}
	t := a.tab()
	where := t.Site
	d := pages.PreviewData{
		Nonce:      pages.Nonce(),
		StaticBase: where.PluginPath(a.PluginID, "/static"),
		HomeURL:    where.Home(),
	}
	status := http.StatusOK
	post, err := a.showPost(userID, postID)
	switch {
	case errors.Is(err, preview.ErrUnavailable):
		status, d.Error = http.StatusNotFound, "This message is not available to you. It may have been deleted, or you may not be in its channel."
	case err != nil:
		a.Log.LogError("Showing a notification preview failed", "post_id", postID, "error", err.Error())
		status, d.Error = http.StatusInternalServerError, "This message could not be shown. Try again in a moment."
	default:
		d.Post = post
	}
	// The page shows in the tab's own frame, inside the Microsoft host.
	pages.SetSecurityHeaders(w, d.Nonce, append([]string{"'self'"}, t.FrameAncestors...))
	w.WriteHeader(status)
	if err := pages.RenderPreview(w, d); err != nil {
		a.Log.LogError("Rendering the notification preview failed", "error", err.Error())
	}
}

func (a *api) showPost(userID, postID string) (*pages.PreviewPost, error) {
	if !model.IsValidId(postID) || a.Preview == nil {
		return nil, preview.ErrUnavailable
	}
	return a.Preview(userID, postID)
}
