package frameancestors

import (
	"reflect"
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

// fakeServer is a server configuration and KV store; it has no way to
// save the configuration, as the keeper must not.
type fakeServer struct {
	mmapitest.Discard
	cfg  *model.Config
	kv   map[string][]byte
	logs []string
}

func newServer(frameAncestors string) *fakeServer {
	cfg := &model.Config{}
	cfg.SetDefaults()
	cfg.ServiceSettings.FrameAncestors = model.NewPointer(frameAncestors)
	return &fakeServer{cfg: cfg, kv: map[string][]byte{}}
}

func (f *fakeServer) GetConfig() *model.Config                 { return f.cfg.Clone() }
func (f *fakeServer) KVGet(k string) ([]byte, *model.AppError) { return f.kv[k], nil }
func (f *fakeServer) KVSet(k string, v []byte) *model.AppError { f.kv[k] = v; return nil }
func (f *fakeServer) KVDelete(k string) *model.AppError        { delete(f.kv, k); return nil }
func (f *fakeServer) KVCompareAndSet(string, []byte, []byte) (bool, *model.AppError) {
	panic("the keeper does not compare and set")
}
func (f *fakeServer) KVSetWithOptions(string, []byte, model.PluginKVSetOptions) (bool, *model.AppError) {
	panic("the keeper does not set with options")
}
func (f *fakeServer) LogWarn(msg string, kv ...any) { f.logs = append(f.logs, "warn: "+msg) }
func (f *fakeServer) LogInfo(msg string, kv ...any) { f.logs = append(f.logs, "info: "+msg) }
func (f *fakeServer) list() string                  { return *f.cfg.ServiceSettings.FrameAncestors }

// apply checks the list for wanted and, when it is not in place, sets the
// value the check gives, as the setup command or the admin does through
// the REST API; it returns how many times the list had to be set. The
// keeper itself must leave the configuration as it was.
func apply(t *testing.T, f *fakeServer, k *Keeper, wanted []string) int {
	t.Helper()
	before := f.cfg.Clone()
	st, err := k.Check(wanted)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.cfg, before) {
		t.Fatal("the keeper changed the server configuration")
	}
	if st.Current != f.list() || !slices.Equal(st.Wanted, wanted) {
		t.Fatalf("status %+v for the list %q", st, f.list())
	}
	if st.InPlace {
		if st.Value != f.list() {
			t.Fatalf("in place, yet the value %q is not the list %q", st.Value, f.list())
		}
		return 0
	}
	*f.cfg.ServiceSettings.FrameAncestors = st.Value
	return 1
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

// The log asks for a value once, and says when it is in place.
func TestTheLogAsksOnceForEachValueAndSaysWhenItIsInPlace(t *testing.T) {
	f := newServer("https://intranet.example.com")
	k := &Keeper{API: f}
	wanted := func() []string { return commercial }
	k.Apply(wanted)
	k.Apply(wanted)
	if len(f.logs) != 1 || !strings.HasPrefix(f.logs[0], "warn: ") || !strings.Contains(f.logs[0], "ServiceSettings.FrameAncestors") {
		t.Fatalf("logs %q", f.logs)
	}
	apply(t, f, k, commercial)
	k.Apply(wanted)
	k.Apply(wanted)
	if len(f.logs) != 2 || !strings.HasPrefix(f.logs[1], "info: ") {
		t.Fatalf("logs %q", f.logs)
	}
}
