package appsetup

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The permissions the plugin needs on Microsoft Graph.
const (
	delegatedUserRead = "User.Read"
	roleActivitySend  = "TeamsActivity.Send"
	roleCatalogRead   = "AppCatalog.Read.All"
	roleAppRead       = "Application.Read.All"
	roleUsersRead     = "User.Read.All"
	roleInstallSelf   = "TeamsAppInstallation.ReadWriteSelfForUser.All"
)

func (r *run) roles() []string {
	roles := []string{roleActivitySend, roleCatalogRead}
	if r.opts.LeastPrivilege {
		roles = []string{roleCatalogRead}
	}
	if r.opts.ReadSecretExpiry {
		roles = append(roles, roleAppRead)
	}
	if r.opts.Reach {
		roles = append(roles, roleUsersRead, roleInstallSelf)
	}
	return roles
}

func (r *run) graphRoleID(value string) (string, error) {
	for _, role := range r.graphSP.AppRoles {
		if role.Value == value {
			return role.ID, nil
		}
	}
	return "", fmt.Errorf("microsoft Graph in this tenant has no application permission %s", value)
}

func (r *run) graphScopeID(value string) (string, error) {
	for _, s := range r.graphSP.OAuth2PermissionScopes {
		if s.Value == value {
			return s.ID, nil
		}
	}
	return "", fmt.Errorf("microsoft Graph in this tenant has no delegated permission %s", value)
}

// requiredAccess lists the permissions on the app registration, adding
// to what is there.
func (r *run) requiredAccess(ctx context.Context) error {
	want := []access{}
	id, err := r.graphScopeID(delegatedUserRead)
	if err != nil {
		return err
	}
	want = append(want, access{ID: id, Type: "Scope"})
	for _, role := range r.roles() {
		id, err := r.graphRoleID(role)
		if err != nil {
			return err
		}
		want = append(want, access{ID: id, Type: "Role"})
	}
	list := slices.Clone(r.app.RequiredResourceAccess)
	old := slices.Clone(list)
	i := slices.IndexFunc(list, func(ra resourceAccess) bool { return strings.EqualFold(ra.ResourceAppID, graphAppID) })
	if i < 0 {
		list = append(list, resourceAccess{ResourceAppID: graphAppID})
		i = len(list) - 1
	}
	entry := list[i]
	entry.ResourceAccess = slices.Clone(entry.ResourceAccess)
	var added []string
	for _, a := range want {
		if !slices.Contains(entry.ResourceAccess, a) {
			entry.ResourceAccess = append(entry.ResourceAccess, a)
			added = append(added, r.permissionName(a))
		}
	}
	if len(added) == 0 {
		return nil
	}
	list[i] = entry
	r.app.RequiredResourceAccess = list
	return r.patchApp(ctx, "Add the API permissions "+strings.Join(added, ", "),
		map[string]any{"requiredResourceAccess": list}, map[string]any{"requiredResourceAccess": nonNil(old)})
}

func (r *run) permissionName(a access) string {
	if a.Type == "Scope" {
		for _, s := range r.graphSP.OAuth2PermissionScopes {
			if s.ID == a.ID {
				return s.Value + " (delegated)"
			}
		}
	}
	for _, role := range r.graphSP.AppRoles {
		if role.ID == a.ID {
			return role.Value + " (application)"
		}
	}
	return a.ID
}

// servicePrincipal makes the app present in the tenant, which consent
// and sign-in need.
func (r *run) servicePrincipal(ctx context.Context) error {
	if !r.newApp {
		var found list[servicePrincipal]
		if err := r.g.do(ctx, http.MethodGet, "/servicePrincipals"+filter("appId", r.app.AppID), nil, &found); err != nil {
			return fmt.Errorf("find the service principal: %w", err)
		}
		if len(found.Value) > 0 {
			r.sp = &found.Value[0]
			return nil
		}
	}
	r.sp = &servicePrincipal{}
	return r.change("Create the service principal (the app's presence in the tenant)", func() error {
		return r.g.do(ctx, http.MethodPost, "/servicePrincipals", map[string]string{"appId": r.app.AppID}, r.sp)
	}, func(ctx context.Context) error {
		return r.g.do(ctx, http.MethodDelete, "/servicePrincipals/"+r.sp.ID, nil, nil)
	})
}

// appConsent grants admin consent for each application permission.
func (r *run) appConsent(ctx context.Context) error {
	var have list[roleAssignment]
	if r.sp.ID != "" {
		if err := r.g.do(ctx, http.MethodGet, "/servicePrincipals/"+r.sp.ID+"/appRoleAssignments", nil, &have); err != nil {
			return fmt.Errorf("read admin consent: %w", err)
		}
	}
	for _, role := range r.roles() {
		id, err := r.graphRoleID(role)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(have.Value, func(a roleAssignment) bool { return a.AppRoleID == id && a.ResourceID == r.graphSP.ID }) {
			continue
		}
		var made roleAssignment
		err = r.change("Grant admin consent for "+role+" (application)", func() error {
			return r.g.do(ctx, http.MethodPost, "/servicePrincipals/"+r.sp.ID+"/appRoleAssignments",
				map[string]string{"principalId": r.sp.ID, "resourceId": r.graphSP.ID, "appRoleId": id}, &made)
		}, func(ctx context.Context) error {
			return r.g.do(ctx, http.MethodDelete, "/servicePrincipals/"+r.sp.ID+"/appRoleAssignments/"+made.ID, nil, nil)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// delegatedConsent grants admin consent for User.Read for everyone.
func (r *run) delegatedConsent(ctx context.Context) error {
	var have list[grant]
	if r.sp.ID != "" {
		if err := r.g.do(ctx, http.MethodGet, "/oauth2PermissionGrants"+filter("clientId", r.sp.ID), nil, &have); err != nil {
			return fmt.Errorf("read delegated consent: %w", err)
		}
	}
	i := slices.IndexFunc(have.Value, func(g grant) bool { return g.ResourceID == r.graphSP.ID && g.ConsentType == "AllPrincipals" })
	desc := "Grant admin consent for " + delegatedUserRead + " (delegated) for everyone"
	if i < 0 {
		var made grant
		return r.change(desc, func() error {
			return r.g.do(ctx, http.MethodPost, "/oauth2PermissionGrants", grant{
				ClientID: r.sp.ID, ConsentType: "AllPrincipals", ResourceID: r.graphSP.ID, Scope: delegatedUserRead}, &made)
		}, func(ctx context.Context) error {
			return r.g.do(ctx, http.MethodDelete, "/oauth2PermissionGrants/"+made.ID, nil, nil)
		})
	}
	g := have.Value[i]
	if slices.Contains(strings.Fields(g.Scope), delegatedUserRead) {
		return nil
	}
	scope := strings.TrimSpace(g.Scope + " " + delegatedUserRead)
	return r.change(desc, func() error {
		return r.g.do(ctx, http.MethodPatch, "/oauth2PermissionGrants/"+g.ID, map[string]string{"scope": scope}, nil)
	}, func(ctx context.Context) error {
		return r.g.do(ctx, http.MethodPatch, "/oauth2PermissionGrants/"+g.ID, map[string]string{"scope": g.Scope}, nil)
	})
}

// secret keeps a valid secret this tool made, or creates one; rotation
// creates one and then removes this tool's older ones, last of all,
// since a removed secret cannot be put back.
func (r *run) secret(ctx context.Context) error {
	now := time.Now()
	var ours []password
	for _, p := range r.app.PasswordCredentials {
		if p.DisplayName == SecretName {
			ours = append(ours, p)
		}
	}
	if !r.opts.Rotate {
		for _, p := range ours {
			if end, err := time.Parse(time.RFC3339, p.EndDateTime); err == nil && end.Sub(now) > secretRenewal {
				r.res.SecretKept, r.res.SecretExpires = true, end
				return nil
			}
		}
	}
	end := now.Add(r.opts.SecretLifetime).UTC().Truncate(time.Second)
	var made password
	err := r.change(fmt.Sprintf("Create a client secret valid until %s", end.Format("2 January 2006")), func() error {
		return r.g.do(ctx, http.MethodPost, "/applications/"+r.app.ID+"/addPassword", map[string]any{
			"passwordCredential": map[string]string{"displayName": SecretName, "endDateTime": end.Format(time.RFC3339)}}, &made)
	}, func(ctx context.Context) error {
		return r.g.do(ctx, http.MethodPost, "/applications/"+r.app.ID+"/removePassword", map[string]string{"keyId": made.KeyID}, nil)
	})
	if err != nil {
		return err
	}
	r.res.SecretExpires = end
	if made.SecretText != nil {
		r.res.ClientSecret = *made.SecretText
	}
	if !r.opts.Rotate {
		return nil
	}
	for _, p := range ours {
		old := p
		err := r.change("Remove the older client secret "+old.KeyID+" this tool created", func() error {
			return r.g.do(ctx, http.MethodPost, "/applications/"+r.app.ID+"/removePassword", map[string]string{"keyId": old.KeyID}, nil)
		}, nil)
		if err != nil {
			return err
		}
	}
	return nil
}
