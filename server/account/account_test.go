package account

import (
	"testing"

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
