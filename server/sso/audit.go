package sso

import (
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// AuditLog is where sign-ins and links are recorded: the plugin log,
// which every edition keeps, and the server's audit log where it has one.
type AuditLog interface {
	mmapi.Logger
	LogAuditRec(rec *model.AuditRecord)
}

// Audit records every sign-in and every link made or removed.
type Audit struct {
	Log AuditLog
}

// Audit event names, as the server's audit log shows them.
const (
	EventSignIn = "m365TabSignIn"
	EventLink   = "m365LinkEntra"
	EventUnlink = "m365UnlinkEntra"
)

// SignedIn records a tab sign-in.
func (a Audit) SignedIn(userID, sessionID string, link kvstore.Link, rule, hostApp string) {
	a.record(EventSignIn, "Tab sign-in with Microsoft", userID, userID, sessionID, map[string]any{
		"user_id": userID, "entra_object_id": cut(link.ObjectID), "tenant_id": cut(link.TenantID),
		"rule": rule, "link_rule": link.MadeBy(), "host_app": hostApp,
	})
}

// Linked records a new link, made by link.By.
func (a Audit) Linked(userID string, link kvstore.Link) {
	actorID := ""
	if model.IsValidId(link.By) {
		actorID = link.By
	}
	a.record(EventLink, "Linked a Microsoft account", actorID, userID, "", map[string]any{
		"user_id": userID, "entra_object_id": cut(link.ObjectID), "tenant_id": cut(link.TenantID), "rule": link.MadeBy(),
		"made_by": madeBy(link.By),
	})
}

// Unlinked records a removed link; by is who removed it: a user ID, or
// what removed it.
func (a Audit) Unlinked(userID string, link kvstore.Link, by string) {
	actorID := ""
	if model.IsValidId(by) {
		actorID = by
	}
	a.record(EventUnlink, "Removed a Microsoft account link", actorID, userID, "", map[string]any{
		"user_id": userID, "entra_object_id": cut(link.ObjectID), "tenant_id": cut(link.TenantID), "rule": link.MadeBy(),
		"removed_by": madeBy(by),
	})
}

func madeBy(by string) string {
	if by == "" {
		return "unknown"
	}
	return cut(by)
}

func (a Audit) record(event, msg, actorID, userID, sessionID string, fields map[string]any) {
	if a.Log == nil {
		return
	}
	pairs := make([]any, 0, 2*len(fields)+2)
	pairs = append(pairs, "event", event)
	for _, k := range []string{"user_id", "entra_object_id", "tenant_id", "rule", "link_rule", "host_app", "made_by", "removed_by"} {
		if v, ok := fields[k]; ok {
			pairs = append(pairs, k, v)
		}
	}
	a.Log.LogInfo(msg, pairs...)
	rec := &model.AuditRecord{
		EventName: event,
		Status:    model.AuditStatusSuccess,
		EventData: model.AuditEventData{Parameters: fields, ObjectType: "user"},
		Actor:     model.AuditEventActor{UserId: actorID, SessionId: sessionID, Client: "Microsoft 365 tab"},
	}
	rec.EventData.ResultState = map[string]any{"user_id": userID}
	a.Log.LogAuditRec(rec)
}
