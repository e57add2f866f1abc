package frameancestors

import (
	"slices"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi/mmapitest"
)

var (
	commercial = []string{"https://teams.microsoft.com", "https://*.cloud.microsoft"}
	dod        = []string{"https://dod.teams.microsoft.us", "https://*.teams.microsoft.us"}
)

// fakeServer is a server configuration and KV store that counts saves and
// runs the plugin's configuration hook after each, as the server does.
type fakeServer struct {
	mmapitest.Discard
	cfg   *model.Config
	kv    map[string][]byte
	saves int
	hook  func()
}

func newServer(frameAncestors string) *fakeServer {
	cfg := &model.Config{}
	cfg.SetDefaults()
	cfg.ServiceSettings.FrameAncestors = model.NewPointer(frameAncestors)
	return &fakeServer{cfg: cfg, kv: map[string][]byte{}}
}

func (f *fakeServer) GetConfig() *model.Config { return f.cfg.Clone() }
func (f *fakeServer) SaveConfig(c *model.Config) *model.AppError {
	f.saves++
	f.cfg = c.Clone()
	if f.hook != nil && f.saves < 50 {
		f.hook()
	}
	return nil
}
func (f *fakeServer) KVGet(k string) ([]byte, *model.AppError) { return f.kv[k], nil }
func (f *fakeServer) KVSet(k string, v []byte) *model.AppError { f.kv[k] = v; return nil }
func (f *fakeServer) KVDelete(k string) *model.AppError        { delete(f.kv, k); return nil }
func (f *fakeServer) KVCompareAndSet(string, []byte, []byte) (bool, *model.AppError) {
	panic("the keeper does not compare and set")
}
func (f *fakeServer) KVSetWithOptions(string, []byte, model.PluginKVSetOptions) (bool, *model.AppError) {
	panic("the keeper does not set with options")
}
func (f *fakeServer) list() string { return *f.cfg.ServiceSettings.FrameAncestors }

// apply runs Ensure the way the plugin does: on a settings change, and
// again from the hook its own save triggers.
func apply(t *testing.T, f *fakeServer, k *Keeper, wanted []string) int {
	t.Helper()
	before := f.saves
	f.hook = func() {
		if err := k.Ensure(wanted); err != nil {
			t.Fatal(err)
		}
	}
	f.hook()
	return f.saves - before
}

func TestAddingKeepsTheAdminsEntriesAndSavesOnce(t *testing.T) {
	f := newServer("https://intranet.example.com")
	k := &Keeper{API: f}
	if saves := apply(t, f, k, commercial); saves != 1 {
		t.Fatalf("%d saves", saves)
	}
	if got := f.list(); got != "https://intranet.example.com https://teams.microsoft.com https://*.cloud.microsoft" {
		t.Fatalf("list = %q", got)
	}
	if saves := apply(t, f, k, commercial); saves != 0 {
		t.Fatalf("an unchanged setting saved %d times", saves)
	}
}

func TestChangingTheCloudRemovesOnlyWhatThePluginAdded(t *testing.T) {
	f := newServer("https://intranet.example.com")
	k := &Keeper{API: f}
	apply(t, f, k, commercial)
	if saves := apply(t, f, k, dod); saves != 1 {
		t.Fatalf("%d saves", saves)
	}
	if got := f.list(); got != "https://intranet.example.com https://dod.teams.microsoft.us https://*.teams.microsoft.us" {
		t.Fatalf("after the switch to DoD: %q", got)
	}
}

func TestClearingTheSettingsRemovesThePluginsEntries(t *testing.T) {
	f := newServer("https://intranet.example.com")
	k := &Keeper{API: f}
	apply(t, f, k, commercial)
	if saves := apply(t, f, k, nil); saves != 1 || f.list() != "https://intranet.example.com" {
		t.Fatalf("%d saves, list %q", saves, f.list())
	}
}

func TestAnEntryTheAdminHadIsNeverTheAdminsToLose(t *testing.T) {
	f := newServer("https://teams.microsoft.com https://intranet.example.com")
	k := &Keeper{API: f}
	apply(t, f, k, commercial)
	apply(t, f, k, dod)
	if got := f.list(); !strings.HasPrefix(got, "https://teams.microsoft.com https://intranet.example.com ") || strings.Contains(got, "cloud.microsoft") {
		t.Fatalf("list = %q", got)
	}
}

func TestEntriesAnEarlierVersionAddedCountAsThePlugins(t *testing.T) {
	f := newServer("https://intranet.example.com https://teams.microsoft.com https://*.skype.com")
	k := &Keeper{API: f, Legacy: []string{"https://teams.microsoft.com", "https://*.skype.com"}}
	if saves := apply(t, f, k, dod); saves != 1 {
		t.Fatalf("%d saves", saves)
	}
	if got := f.list(); got != "https://intranet.example.com https://dod.teams.microsoft.us https://*.teams.microsoft.us" {
		t.Fatalf("list = %q", got)
	}
}

// Any sequence of accepted changes reaches a fixed point with at most one
// save each, whatever the list held before.
func TestEveryChangeReachesAFixedPointInOneSave(t *testing.T) {
	starts := []string{"", "  https://a.example   https://a.example ", "'self' https://teams.microsoft.com", "https://*.cloud.microsoft https://*.cloud.microsoft"}
	steps := [][]string{commercial, dod, nil, commercial, {"https://teams.example.com:8443"}, commercial, commercial}
	for _, start := range starts {
		f := newServer(start)
		k := &Keeper{API: f}
		for i, wanted := range steps {
			if saves := apply(t, f, k, wanted); saves > 1 {
				t.Fatalf("start %q, step %d: %d saves", start, i, saves)
			}
			if saves := apply(t, f, k, wanted); saves != 0 {
				t.Fatalf("start %q, step %d: not a fixed point", start, i)
			}
			for _, w := range wanted {
				if !slices.Contains(strings.Fields(f.list()), w) {
					t.Fatalf("start %q, step %d: %q lacks %s", start, i, f.list(), w)
				}
			}
		}
	}
}
