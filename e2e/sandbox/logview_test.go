package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTheLogShowsWhatThePluginDidReadably(t *testing.T) {
	const plugin = "io.missioncollab.m365"
	names := map[string]string{"u1": "alice"}
	cases := []struct {
		line  string
		shown string // "" when the line is left out
	}{
		{`{"timestamp":"2026-12-02 06:25:44.123 Z","level":"info","msg":"Tab sign-in with Microsoft","caller":"app/plugin_api.go:1","plugin_id":"io.missioncollab.m365","user_id":"u1","host_app":"Teams web"}`,
			"Tab sign-in with Microsoft  host_app=Teams web  user=@alice"},
		{`{"timestamp":"2026-12-02 06:25:49.000 Z","level":"debug","msg":"Sent a Teams notification","plugin_id":"io.missioncollab.m365","recipients":1}`,
			"Sent a Teams notification  recipients=1"},
		{`{"timestamp":"2026-12-02 06:25:49.000 Z","level":"debug","msg":"Reading the queue","plugin_id":"io.missioncollab.m365"}`, ""},
		{`{"timestamp":"2026-12-02 06:25:51.000 Z","level":"warn","msg":"Tab sign-in found no Mattermost account","plugin_id":"io.missioncollab.m365","reason":"no account"}`,
			"WARN Tab sign-in found no Mattermost account  reason=no account"},
		{`{"timestamp":"2026-12-02 06:25:52.000 Z","level":"error","msg":"Failed to send","caller":"app/x.go:1","user_id":"u9"}`,
			"ERROR server: Failed to send  user_id=u9"},
		{`{"timestamp":"2026-12-02 06:25:52.000 Z","level":"info","msg":"Server is listening"}`, ""},
		{`{"level":"info","msg":"Other plugin","plugin_id":"com.example.other"}`, ""},
		{`not json`, ""},
	}
	for _, c := range cases {
		got, ok := readable([]byte(c.line), plugin, names)
		if c.shown == "" {
			if ok {
				t.Errorf("%s was shown: %q", c.line, got)
			}
			continue
		}
		if !ok || !strings.HasSuffix(got, c.shown) || len(got) != len("15:04:05")+2+len(c.shown) {
			t.Errorf("%s shown as %q, want the time then %q", c.line, got, c.shown)
		}
	}
	long, _ := readable([]byte(`{"level":"info","msg":"m","plugin_id":"io.missioncollab.m365","error":"`+strings.Repeat("x", 500)+`"}`), plugin, names)
	if len(long) > 300 {
		t.Errorf("a long value is not cut: %d bytes", len(long))
	}
}

// A line read while half written is shown once, whole, when it is done.
func TestALineWrittenInTwoPartsIsShownOnceWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mattermost.log")
	if err := os.WriteFile(path, []byte(`{"level":"info","msg":"Linked a Microsoft acc`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	offset, partial := printNew(path, 0, nil, "p", nil, &out)
	if out.Len() != 0 || len(partial) == 0 {
		t.Fatalf("half a line shown: %q", out.String())
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`ount","plugin_id":"p"}` + "\n")
	_ = f.Close()
	if _, rest := printNew(path, offset, partial, "p", nil, &out); len(rest) != 0 ||
		strings.Count(out.String(), "Linked a Microsoft account") != 1 || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("shown: %q", out.String())
	}
}

func TestTheLogIsFollowedFromNowOn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mattermost.log")
	before := `{"level":"info","msg":"Before the sandbox was up","plugin_id":"p"}` + "\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	stop := followLog(path, "p", nil, &out)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"level":"info","msg":"Linked a Microsoft account","plugin_id":"p"}` + "\n")
	_ = f.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "Linked a Microsoft account") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	got := out.String()
	if strings.Contains(got, "Before the sandbox") || strings.Count(got, "Linked a Microsoft account") != 1 || strings.Count(got, "\n") != 1 {
		t.Fatalf("shown:\n%s", got)
	}
}

// syncBuffer is a strings.Builder safe for the follower's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
