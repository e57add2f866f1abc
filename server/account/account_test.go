package account

import (
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestWhoseEmailProvesTheOwner(t *testing.T) {
	ldap := &model.User{AuthService: model.UserAuthServiceLdap}
	saml := &model.User{AuthService: model.UserAuthServiceSaml}
	verified := &model.User{EmailVerified: true}
	unverified := &model.User{}
	office := &model.User{AuthService: model.ServiceOffice365, AuthData: model.NewPointer("OID-1"), EmailVerified: true}
	gitlab := &model.User{AuthService: model.UserAuthServiceGitlab, EmailVerified: true}
	for name, c := range map[string]struct {
		u     *model.User
		proof bool
	}{"ldap": {ldap, true}, "saml": {saml, true}, "verified": {verified, true}, "unverified": {unverified, false},
		"office 365": {office, false}, "gitlab": {gitlab, false}} {
		if got := EmailUnproven(c.u) == ""; got != c.proof {
			t.Errorf("%s: proves %v", name, got)
		}
	}
	if EntraObjectID(office) != "OID-1" || EntraObjectID(gitlab) != "" || EntraObjectID(&model.User{AuthService: model.ServiceOpenid}) != "" {
		t.Error("Entra object IDs")
	}
	for _, u := range []*model.User{{DeleteAt: 1}, {IsBot: true}, {RemoteId: model.NewPointer("r")}} {
		if Unreachable(u) == "" {
			t.Errorf("%+v is reachable", u)
		}
	}
	if Unreachable(verified) != "" {
		t.Error("an active account is unreachable")
	}
}

func TestAnEmailNeverLinksAnAccountThatMayManageOrHasMFA(t *testing.T) {
	granted := map[string]bool{}
	grants := func(roles []string, perm string) bool {
		for _, r := range roles {
			if granted[r+" "+perm] {
				return true
			}
		}
		return false
	}
	user := func(change func(*model.User)) *model.User {
		u := &model.User{Roles: model.SystemUserRoleId, EmailVerified: true}
		change(u)
		return u
	}
	if why := EmailMayNotLink(user(func(*model.User) {}), grants); why != "" {
		t.Fatalf("a plain verified account is refused: %s", why)
	}
	granted["custom_role "+model.PermissionEditOtherUsers.Id] = true
	for name, u := range map[string]*model.User{
		"system admin":         user(func(u *model.User) { u.Roles += " " + model.SystemAdminRoleId }),
		"system manager":       user(func(u *model.User) { u.Roles += " " + model.SystemManagerRoleId }),
		"user manager":         user(func(u *model.User) { u.Roles += " " + model.SystemUserManagerRoleId }),
		"read-only admin":      user(func(u *model.User) { u.Roles += " " + model.SystemReadOnlyAdminRoleId }),
		"role granted editing": user(func(u *model.User) { u.Roles += " custom_role" }),
		"mfa":                  user(func(u *model.User) { u.MfaActive = true }),
		"deactivated":          user(func(u *model.User) { u.DeleteAt = 1 }),
		"unverified":           user(func(u *model.User) { u.EmailVerified = false }),
		"gitlab":               user(func(u *model.User) { u.AuthService = model.UserAuthServiceGitlab }),
	} {
		if EmailMayNotLink(u, grants) == "" {
			t.Errorf("%s: an email may link it", name)
		}
	}
}

func TestGrantCacheAsksOncePerSetOfRolesAndTTL(t *testing.T) {
	asked := 0
	now := time.Unix(1000, 0)
	c := GrantCache{Ask: func([]string, string) bool { asked++; return asked > 1 }, TTL: 30 * time.Second, Now: func() time.Time { return now }}
	for range 200 {
		if c.Grants([]string{"system_user"}, model.PermissionManageSystem.Id) {
			t.Fatal("a remembered answer changed")
		}
	}
	if asked != 1 {
		t.Fatalf("asked %d times", asked)
	}
	c.Grants([]string{"system_user", "custom"}, model.PermissionManageSystem.Id)
	if asked != 2 {
		t.Fatalf("another set of roles was not asked about: %d", asked)
	}
	now = now.Add(31 * time.Second)
	if !c.Grants([]string{"system_user"}, model.PermissionManageSystem.Id) || asked != 3 {
		t.Fatalf("an answer older than the TTL was kept (asked %d)", asked)
	}
}
