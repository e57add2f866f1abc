package appsetup

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/site"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp/icon"
)

const teamsAppID = "0b6f7c9e-3a1d-4c2b-9e8f-1a2b3c4d5e6f"

type noIcons struct{}

func (noIcons) Get(icon.Kind) ([]byte, error) { return nil, nil }

// fakePlugin builds real packages from its settings, as the plugin does.
type fakePlugin struct {
	version, name string
	last          *teamsapp.Upload
	// failSetVersion, once set, refuses to save a version.
	failSetVersion bool
	versions       []string
}

func (f *fakePlugin) Package(context.Context) (TeamsPackage, error) {
	s, _ := site.Parse("https://chat.example.com")
	built, err := teamsapp.Assemble(teamsapp.Input{AppID: teamsAppID, Version: f.version, DisplayName: f.name,
		ClientID: "11111111-2222-3333-4444-555555555555", PluginID: "p", Site: s}, noIcons{})
	return TeamsPackage{ZIP: built.ZIP, AppID: teamsAppID, Package: built.Package}, err
}

func (f *fakePlugin) LastUpload(context.Context) (*teamsapp.Upload, error) { return f.last, nil }

func (f *fakePlugin) SetVersion(_ context.Context, v string) error {
	if f.failSetVersion {
		return errors.New("refused")
	}
	f.versions = append(f.versions, v)
	f.version = v
	return nil
}

func (f *fakePlugin) RecordUpload(_ context.Context, u teamsapp.Upload) error {
	f.last = &u
	return nil
}

func publishSetup(t *testing.T) (*msfake.Cloud, *Graph, *fakePlugin) {
	t.Helper()
	cloud, err := msfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cloud.Close)
	g := &Graph{BaseURL: cloud.URL(), Token: cloud.AdminToken(tenant, CatalogScope), HTTP: cloud.Client()}
	return cloud, g, &fakePlugin{version: "1.0.0", name: "Mattermost"}
}

func TestFirstPublishThenNothingToDo(t *testing.T) {
	cloud, g, p := publishSetup(t)
	res, err := Publish(context.Background(), g, p, PublishOptions{})
	if err != nil || res.Found != teamsapp.CatalogMissing || res.Version != "1.0.0" || len(res.Changes) != 1 {
		t.Fatalf("first: %+v %v", res, err)
	}
	if v := cloud.CatalogVersion(tenant, teamsAppID); v != "1.0.0" || !strings.Contains(string(cloud.CatalogManifest(tenant, teamsAppID)), `"short": "Mattermost"`) {
		t.Fatalf("catalog: %q", v)
	}
	if p.last == nil || p.last.Version != "1.0.0" {
		t.Fatalf("the upload was not reported: %+v", p.last)
	}
	again, err := Publish(context.Background(), g, p, PublishOptions{})
	if err != nil || again.Found != teamsapp.CatalogCurrent || len(again.Changes) != 0 || len(p.versions) != 0 {
		t.Fatalf("again: %+v %v", again, err)
	}
}

func TestChangedContentUnderTheSameVersionRaisesThePatchVersion(t *testing.T) {
	cloud, g, p := publishSetup(t)
	if _, err := Publish(context.Background(), g, p, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	p.name = "Mission Chat"
	res, err := Publish(context.Background(), g, p, PublishOptions{})
	if err != nil || res.Found != teamsapp.CatalogChanged || res.Version != "1.0.1" || len(res.Changes) != 2 ||
		!strings.Contains(res.Changes[0], "raise Application Version from 1.0.0 to 1.0.1") {
		t.Fatalf("changed: %+v %v", res, err)
	}
	if v := cloud.CatalogVersion(tenant, teamsAppID); v != "1.0.1" || !strings.Contains(string(cloud.CatalogManifest(tenant, teamsAppID)), "Mission Chat") {
		t.Fatalf("catalog: %q", v)
	}
}

func TestAVersionRaisedByHandIsUploadedAsItIs(t *testing.T) {
	cloud, g, p := publishSetup(t)
	if _, err := Publish(context.Background(), g, p, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	p.version, p.name = "1.2.0", "Mission Chat"
	res, err := Publish(context.Background(), g, p, PublishOptions{})
	if err != nil || res.Found != teamsapp.CatalogOlder || len(p.versions) != 0 || cloud.CatalogVersion(tenant, teamsAppID) != "1.2.0" {
		t.Fatalf("raised by hand: %+v %v %v", res, err, p.versions)
	}
}

func TestAnAppUploadedByHandIsReplacedWithAHigherVersion(t *testing.T) {
	cloud, g, p := publishSetup(t)
	cloud.PublishTeamsApp(tenant, teamsAppID, "Mattermost")
	cloud.SetTeamsAppVersion(tenant, teamsAppID, "1.3.0")
	res, err := Publish(context.Background(), g, p, PublishOptions{})
	if err != nil || res.Found != teamsapp.CatalogNewer || res.Version != "1.3.1" || cloud.CatalogVersion(tenant, teamsAppID) != "1.3.1" {
		t.Fatalf("newer by hand: %+v %v", res, err)
	}
}

func TestDryRunSaysWhatItWouldDoAndDoesNothing(t *testing.T) {
	cloud, g, p := publishSetup(t)
	if _, err := Publish(context.Background(), g, p, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	p.name = "Mission Chat"
	res, err := Publish(context.Background(), g, p, PublishOptions{DryRun: true})
	if err != nil || !res.DryRun || len(res.Changes) != 2 || res.Version != "1.0.1" {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if len(p.versions) != 0 || cloud.CatalogVersion(tenant, teamsAppID) != "1.0.0" || p.last.Version != "1.0.0" {
		t.Fatalf("a dry run changed something: %v %s", p.versions, cloud.CatalogVersion(tenant, teamsAppID))
	}
}

func TestAFailedUploadPutsTheVersionBack(t *testing.T) {
	cloud, g, p := publishSetup(t)
	if _, err := Publish(context.Background(), g, p, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	p.name = "Mission Chat"
	failing := &failingUpload{TeamsPlugin: p, cloud: cloud}
	_, err := Publish(context.Background(), g, failing, PublishOptions{})
	if err == nil {
		t.Fatal("the failed upload was not reported")
	}
	if p.version != "1.0.0" || len(p.versions) != 2 || p.versions[1] != "1.0.0" {
		t.Fatalf("the version was not put back: %s %v", p.version, p.versions)
	}
	if cloud.CatalogVersion(tenant, teamsAppID) != "1.0.0" || p.last.Version != "1.0.0" {
		t.Fatal("the catalog or the record changed")
	}
}

// failingUpload makes Graph fail the next request once the version is
// raised, which is the upload.
type failingUpload struct {
	TeamsPlugin
	cloud *msfake.Cloud
}

func (f *failingUpload) SetVersion(ctx context.Context, v string) error {
	if err := f.TeamsPlugin.SetVersion(ctx, v); err != nil {
		return err
	}
	f.cloud.FailNext(1, 500)
	return nil
}

func TestAnAdminWithoutTheTeamsRoleIsToldBeforeAnyChange(t *testing.T) {
	cloud, g, p := publishSetup(t)
	cloud.SetAdminRoles(tenant) // no directory role
	g.Token = cloud.AdminToken(tenant, CatalogScope)
	_, err := Publish(context.Background(), g, p, PublishOptions{})
	if !errors.Is(err, ErrNotTeamsAdmin) || cloud.CatalogVersion(tenant, teamsAppID) != "" {
		t.Fatalf("%v", err)
	}
	// Graph's own refusal is explained the same way.
	if err := explainCatalogError(fmtForbidden(t, cloud, g)); !errors.Is(err, ErrNotTeamsAdmin) {
		t.Fatalf("Graph's refusal: %v", err)
	}
	cloud.SetAdminRoles(tenant, msfake.TeamsAdministratorRole)
	g.Token = cloud.AdminToken(tenant, CatalogScope)
	if _, err := Publish(context.Background(), g, p, PublishOptions{}); err != nil {
		t.Fatalf("as a Teams admin: %v", err)
	}
	g.Token = cloud.AdminToken(tenant, "User.Read")
	p.name = "Other"
	if _, err := Publish(context.Background(), g, p, PublishOptions{}); err == nil || !strings.Contains(err.Error(), CatalogScope) {
		t.Fatalf("without the scope: %v", err)
	}
}

// fmtForbidden is Graph's answer to an upload by an admin without the role.
func fmtForbidden(t *testing.T, cloud *msfake.Cloud, g *Graph) error {
	t.Helper()
	p := &fakePlugin{version: "1.0.0", name: "Mattermost"}
	pkg, err := p.Package(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	err = g.publishApp(context.Background(), pkg.ZIP)
	if err == nil {
		t.Fatal("Graph published for an admin without the role")
	}
	return err
}
