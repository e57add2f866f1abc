package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

func TestUsersByEmailFindsPeopleAndMarksGuests(t *testing.T) {
	cloud, c := start(t)
	cloud.SetAppRoles(tenant, clientID, "User.Read.All")
	cloud.AddUser(tenant, msfake.User{ObjectID: "u-ann", Mail: "ann@example.com", UserPrincipalName: "ann@example.com"})
	cloud.AddUser(tenant, msfake.User{ObjectID: "u-gina", Mail: "gina@partner.example", UserPrincipalName: "gina_partner.example#EXT#@example.com", Guest: true})
	cloud.AddUser(tenant, msfake.User{ObjectID: "u-twin1", Mail: "ops@example.com", UserPrincipalName: "ops1@example.com"})
	cloud.AddUser(tenant, msfake.User{ObjectID: "u-twin2", Mail: "ops2@example.com", UserPrincipalName: "ops@example.com"})
	cloud.AddUser(tenant, msfake.User{ObjectID: "u-obrien", Mail: "o'brien@example.com", UserPrincipalName: "obrien@example.com", Disabled: true})
	emails := []string{"ANN@example.com", "gina@partner.example", "ops@example.com", "o'brien@example.com", "nobody@example.com"}
	for i := range 30 { // more than one batch
		emails = append(emails, fmt.Sprintf("filler%d@example.com", i))
	}
	got, err := c.UsersByEmail(context.Background(), emails)
	if err != nil || len(got) != len(emails) {
		t.Fatalf("%d answers: %v", len(got), err)
	}
	ids := func(l UserLookup) []string {
		var out []string
		for _, u := range l.Users {
			out = append(out, u.ID)
		}
		slices.Sort(out)
		return out
	}
	if g := ids(got[0]); !slices.Equal(g, []string{"u-ann"}) || got[0].Users[0].Guest() || !got[0].Users[0].Enabled() {
		t.Errorf("ann: %+v", got[0])
	}
	if !got[1].Users[0].Guest() {
		t.Errorf("gina is not a guest: %+v", got[1])
	}
	if g := ids(got[2]); !slices.Equal(g, []string{"u-twin1", "u-twin2"}) {
		t.Errorf("an email two people answer to: %v", g)
	}
	if got[3].Users[0].Enabled() {
		t.Errorf("a disabled account: %+v", got[3])
	}
	if len(got[4].Users) != 0 || got[4].Err != nil || got[len(got)-1].Err != nil {
		t.Errorf("nobody: %+v", got[4])
	}

	cloud.SetAppRoles(tenant, clientID, "TeamsActivity.Send")
	c2 := New(Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret, AuthorityURL: cloud.URL(), GraphURL: cloud.URL(), HTTPClient: cloud.Client()})
	got, err = c2.UsersByEmail(context.Background(), []string{"ann@example.com"})
	var consent *ConsentError
	if err != nil || !errors.As(got[0].Err, &consent) || consent.Permission != "User.Read.All" {
		t.Fatalf("without User.Read.All: %+v %v", got, err)
	}
}

func TestInstallForTreatsAlreadyInstalledAsDoneAndNamesTheRest(t *testing.T) {
	cloud, c := start(t)
	catalogID := cloud.PublishTeamsApp(tenant, appID, "Mission")
	cloud.SetTeamsAppClient(tenant, appID, clientID)
	cloud.SetAppRoles(tenant, clientID, "TeamsAppInstallation.ReadWriteSelfForUser.All")
	var oids []string
	for i := range 25 {
		oid := fmt.Sprintf("u-%02d", i)
		cloud.AddUser(tenant, msfake.User{ObjectID: oid, UserPrincipalName: oid + "@example.com"})
		oids = append(oids, oid)
	}
	first, err := c.InstallFor(context.Background(), catalogID, oids[:3])
	if err != nil || slices.ContainsFunc(first, func(i Installed) bool { return i.Err != nil || i.Already }) {
		t.Fatalf("first: %v %v", first, err)
	}
	got, err := c.InstallFor(context.Background(), catalogID, append(slices.Clone(oids), "u-unknown"))
	if err != nil || len(got) != 26 {
		t.Fatalf("%d outcomes: %v", len(got), err)
	}
	for i, e := range got[:25] {
		if e.Err != nil || e.Already != (i < 3) {
			t.Errorf("%s: %+v", oids[i], e)
		}
	}
	if !errors.Is(got[25].Err, ErrUnknownUser) {
		t.Errorf("unknown user: %v", got[25])
	}
	if n := len(cloud.InstalledFor(tenant, "u-24")); n != 1 {
		t.Errorf("u-24 has %d apps", n)
	}
	// Another tenant's app the Self permission cannot install is a
	// refusal of the request, not missing consent.
	other := cloud.PublishTeamsApp(tenant, "other-app", "Other")
	got, _ = c.InstallFor(context.Background(), catalogID[:0]+other, []string{"u-00"})
	var consent *ConsentError
	if got[0].Err == nil || errors.As(got[0].Err, &consent) {
		t.Errorf("someone else's app: %v", got[0])
	}
}
