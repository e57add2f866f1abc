package appsetup

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
)

func filter(prop, value string) string {
	return "?$filter=" + url.QueryEscape(prop+" eq '"+strings.ReplaceAll(value, "'", "''")+"'")
}

// application finds the app registration, by client ID or else by name,
// or creates a single-tenant one with no redirect URI.
func (r *run) application(ctx context.Context) error {
	var found list[application]
	if r.opts.ClientID != "" {
		if err := r.g.do(ctx, http.MethodGet, "/applications"+filter("appId", r.opts.ClientID), nil, &found); err != nil {
			return fmt.Errorf("find the app registration: %w", err)
		}
		if len(found.Value) == 0 {
			return fmt.Errorf("client ID %s: no app registration has it in tenant %s", r.opts.ClientID, r.res.TenantID)
		}
	} else {
		if err := r.g.do(ctx, http.MethodGet, "/applications"+filter("displayName", r.opts.DisplayName), nil, &found); err != nil {
			return fmt.Errorf("find the app registration: %w", err)
		}
		if n := len(found.Value); n > 1 {
			return fmt.Errorf("display name %q: %d app registrations have it; pass the client ID of the one to use", r.opts.DisplayName, n)
		}
	}
	if len(found.Value) == 1 {
		r.app = &found.Value[0]
		if r.app.SignInAudience != "AzureADMyOrg" {
			r.opts.Warn(fmt.Sprintf("The app registration %s is not single tenant (%s); it is left as it is.", r.app.AppID, r.app.SignInAudience))
		}
		return nil
	}
	r.newApp = true
	r.app = &application{DisplayName: r.opts.DisplayName, SignInAudience: "AzureADMyOrg", AppID: "<new client ID>"}
	return r.change(fmt.Sprintf("Create the app registration %q: single tenant, no redirect URI", r.opts.DisplayName), func() error {
		return r.g.do(ctx, http.MethodPost, "/applications", map[string]string{
			"displayName": r.opts.DisplayName, "signInAudience": "AzureADMyOrg"}, r.app)
	}, func(ctx context.Context) error {
		return r.g.do(ctx, http.MethodDelete, "/applications/"+r.app.ID, nil, nil)
	})
}

// graphPermissions reads Microsoft Graph's own service principal, whose
// permission IDs the app's permissions and consent name.
func (r *run) graphPermissions(ctx context.Context) error {
	var found list[servicePrincipal]
	if err := r.g.do(ctx, http.MethodGet, "/servicePrincipals"+filter("appId", graphAppID), nil, &found); err != nil {
		return fmt.Errorf("read Microsoft Graph's permissions: %w", err)
	}
	if len(found.Value) == 0 {
		return fmt.Errorf("the tenant %s has no Microsoft Graph service principal", r.res.TenantID)
	}
	r.graphSP = &found.Value[0]
	return nil
}

// patchApp changes some of the app's properties; on rollback an existing
// app gets the old values back (a new one is deleted as a whole).
func (r *run) patchApp(ctx context.Context, desc string, change, previous map[string]any) error {
	var undo func(context.Context) error
	if !r.newApp {
		undo = func(ctx context.Context) error {
			return r.g.do(ctx, http.MethodPatch, "/applications/"+r.app.ID, previous, nil)
		}
	}
	return r.change(desc, func() error {
		return r.g.do(ctx, http.MethodPatch, "/applications/"+r.app.ID, change, nil)
	}, undo)
}

// identifierURI adds api://<host>/<client ID>, keeping any others.
func (r *run) identifierURI(ctx context.Context) error {
	want := r.opts.resourceURI(r.app.AppID)
	if slices.Contains(r.app.IdentifierURIs, want) {
		return nil
	}
	old := slices.Clone(r.app.IdentifierURIs)
	r.app.IdentifierURIs = append(r.app.IdentifierURIs, want)
	return r.patchApp(ctx, "Set the Application ID URI "+want,
		map[string]any{"identifierUris": r.app.IdentifierURIs}, map[string]any{"identifierUris": nonNil(old)})
}

// The access_as_user scope, worded as the product description gives it.
var accessAsUser = scope{
	Value: "access_as_user", Type: "User", IsEnabled: true,
	AdminConsentDisplayName: "Log in to Mattermost",
	AdminConsentDescription: "Used to allow O365 users to log in to the Mattermost application",
	UserConsentDisplayName:  "Log in to Mattermost",
	UserConsentDescription:  "This permission is required to automatically log you in into Mattermost from Microsoft applications.",
}

// scope adds access_as_user, which admins and users can consent to.
func (r *run) scope(ctx context.Context) error {
	scopes := r.app.API.OAuth2PermissionScopes
	if i := slices.IndexFunc(scopes, func(s scope) bool { return s.Value == accessAsUser.Value }); i >= 0 {
		r.scopeID = scopes[i].ID
		if !scopes[i].IsEnabled {
			r.opts.Warn("The access_as_user scope is disabled; enable it under Expose an API, or sign-in from Teams fails.")
		}
		return nil
	}
	s := accessAsUser
	s.ID = newUUID()
	r.scopeID = s.ID
	old := slices.Clone(scopes)
	r.app.API.OAuth2PermissionScopes = append(scopes, s)
	// Graph refuses to remove an enabled scope, so undoing disables first.
	undo := func(ctx context.Context) error {
		disabled := slices.Clone(r.app.API.OAuth2PermissionScopes)
		for i := range disabled {
			if disabled[i].ID == s.ID {
				disabled[i].IsEnabled = false
			}
		}
		if err := r.g.do(ctx, http.MethodPatch, "/applications/"+r.app.ID, map[string]any{"api": map[string]any{"oauth2PermissionScopes": disabled}}, nil); err != nil {
			return err
		}
		return r.g.do(ctx, http.MethodPatch, "/applications/"+r.app.ID, map[string]any{"api": map[string]any{"oauth2PermissionScopes": nonNil(old)}}, nil)
	}
	if r.newApp {
		undo = nil
	}
	return r.change("Add the scope access_as_user (admins and users can consent)", func() error {
		return r.g.do(ctx, http.MethodPatch, "/applications/"+r.app.ID, map[string]any{
			"api": map[string]any{"oauth2PermissionScopes": r.app.API.OAuth2PermissionScopes}}, nil)
	}, undo)
}

// preAuthorize lets the Microsoft hosts get tokens for the scope without
// asking anyone. Graph accepts this only once the scope is saved, so it
// is a request of its own.
func (r *run) preAuthorize(ctx context.Context) error {
	list := slices.Clone(r.app.API.PreAuthorizedApplications)
	old := slices.Clone(list)
	var added []string
	for _, c := range entra.ClientApps {
		i := slices.IndexFunc(list, func(p preAuthorized) bool { return strings.EqualFold(p.AppID, c.ID) })
		switch {
		case i < 0:
			list = append(list, preAuthorized{AppID: c.ID, DelegatedPermissionIDs: []string{r.scopeID}})
		case !slices.Contains(list[i].DelegatedPermissionIDs, r.scopeID):
			list[i].DelegatedPermissionIDs = append(slices.Clone(list[i].DelegatedPermissionIDs), r.scopeID)
		default:
			continue
		}
		added = append(added, c.Name)
	}
	if len(added) == 0 {
		return nil
	}
	r.app.API.PreAuthorizedApplications = list
	return r.patchApp(ctx, "Authorize these Microsoft clients for access_as_user: "+strings.Join(added, ", "),
		map[string]any{"api": map[string]any{"preAuthorizedApplications": list}},
		map[string]any{"api": map[string]any{"preAuthorizedApplications": nonNil(old)}})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
