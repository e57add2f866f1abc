package reach

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

func TestEachKindOfAccountHasItsPlan(t *testing.T) {
	cases := []struct {
		name string
		u    *model.User
		want Plan
		skip string
	}{
		{"verified email", &model.User{Email: "Ann@Example.com", EmailVerified: true}, Plan{Email: "ann@example.com"}, ""},
		{"LDAP", &model.User{Email: "bob@example.com", AuthService: model.UserAuthServiceLdap}, Plan{Email: "bob@example.com"}, ""},
		{"Office 365", &model.User{AuthService: model.ServiceOffice365, AuthData: model.NewPointer("ABC-OID"), Email: "x@y"}, Plan{ObjectID: "abc-oid"}, ""},
		{"unverified email", &model.User{Email: "eve@example.com"}, Plan{}, "not verified"},
		{"GitLab", &model.User{Email: "g@example.com", AuthService: model.UserAuthServiceGitlab, EmailVerified: true}, Plan{}, "does not vouch"},
		{"bot", &model.User{IsBot: true, Email: "b@example.com", EmailVerified: true}, Plan{}, "bot"},
		{"deactivated", &model.User{DeleteAt: 5, Email: "d@example.com", EmailVerified: true}, Plan{}, "deactivated"},
		{"system admin", &model.User{Email: "root@example.com", EmailVerified: true, Roles: "system_user system_admin"}, Plan{}, "may manage"},
		{"a role granted managing", &model.User{Email: "m@example.com", EmailVerified: true, Roles: "system_user ops_lead"}, Plan{}, "may manage"},
		{"MFA", &model.User{Email: "mfa@example.com", EmailVerified: true, MfaActive: true}, Plan{}, "multi-factor"},
	}
	grants := func(roles []string, perm string) bool {
		return slices.Contains(roles, "ops_lead") && perm == model.PermissionManageSystem.Id
	}
	for _, c := range cases {
		got := PlanFor(c.u, grants)
		if got.ObjectID != c.want.ObjectID || got.Email != c.want.Email || !strings.Contains(got.Skip, c.skip) || (c.skip == "") != (got.Skip == "") {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
}

func TestOnlyOneEnabledMemberIsChosen(t *testing.T) {
	yes, no := true, false
	member := func(id, mail string) graph.DirectoryUser {
		return graph.DirectoryUser{ID: id, Mail: mail, UserPrincipalName: id + "@example.com", UserType: "Member", AccountEnabled: &yes}
	}
	guest := graph.DirectoryUser{ID: "G", Mail: "ann@example.com", UserPrincipalName: "ann_x#EXT#@example.com", AccountEnabled: &yes}
	disabled := member("D", "ann@example.com")
	disabled.AccountEnabled = &no
	cases := []struct {
		name   string
		lookup graph.UserLookup
		oid    string
		skip   string
	}{
		{"one member", graph.UserLookup{Users: []graph.DirectoryUser{member("OID-A", "ANN@example.com")}}, "oid-a", ""},
		{"nobody", graph.UserLookup{}, "", "no one"},
		{"two people", graph.UserLookup{Users: []graph.DirectoryUser{member("A", "ann@example.com"), member("B", "ann@example.com")}}, "", "more than one"},
		{"a guest", graph.UserLookup{Users: []graph.DirectoryUser{guest}}, "", "guest"},
		{"disabled", graph.UserLookup{Users: []graph.DirectoryUser{disabled}}, "", "cannot sign in"},
		{"a near miss", graph.UserLookup{Users: []graph.DirectoryUser{member("A", "ann2@example.com")}}, "", "no one"},
		{"unreadable", graph.UserLookup{Err: errors.New("403")}, "", "could not be read"},
	}
	for _, c := range cases {
		oid, skip := Choose("ann@example.com", c.lookup)
		if oid != c.oid || !strings.Contains(skip, c.skip) || (c.skip == "") != (skip == "") {
			t.Errorf("%s: %q %q", c.name, oid, skip)
		}
	}
}

func TestADirectoryLinkHoldsWhileTheAccountKeepsItsEmail(t *testing.T) {
	none := func([]string, string) bool { return false }
	link := kvstore.NotifyLink{Rule: kvstore.RuleNotifyDirectory, Email: "ann@example.com"}
	ann := &model.User{Email: "Ann@example.com", EmailVerified: true}
	if !NotifyLinkHolds(link, ann, none) {
		t.Fatal("the link does not hold for the account it was made for")
	}
	for name, u := range map[string]*model.User{
		"email changed":    {Email: "ann.new@example.com", EmailVerified: true},
		"deactivated":      {Email: "ann@example.com", EmailVerified: true, DeleteAt: 1},
		"became an admin":  {Email: "ann@example.com", EmailVerified: true, Roles: "system_admin"},
		"email unverified": {Email: "ann@example.com"},
		"multi-factor on":  {Email: "ann@example.com", EmailVerified: true, MfaActive: true},
	} {
		if NotifyLinkHolds(link, u, none) {
			t.Errorf("%s: the link still holds", name)
		}
	}
	if NotifyLinkHolds(kvstore.NotifyLink{Rule: kvstore.RuleNotifyDirectory}, ann, none) {
		t.Error("a directory link that kept no email holds")
	}
	if !NotifyLinkHolds(kvstore.NotifyLink{Rule: kvstore.RuleNotifyAuthData}, &model.User{Email: "other@example.com"}, none) {
		t.Error("an auth data link depends on the email")
	}
}
