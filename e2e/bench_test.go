package e2e

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

// benchPerson is an account and its Microsoft identity.
type benchPerson struct {
	user *harness.User
	oid  string
}

// benchAccounts are made once per run of the suite and shared by the
// benchmarks: the unlicensed server keeps at most 250 active accounts.
var (
	benchMu       sync.Mutex
	benchAccounts []*harness.User
)

// benchPeople are n accounts with verified emails, each with a new
// Microsoft identity and no link: a sign-in with it is a first one.
func benchPeople(b *testing.B, n int) []benchPerson {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	for len(benchAccounts) < n {
		suffix := model.NewId()[:8]
		u, err := env.Server.CreateUser(testContext(b), "bench"+suffix, "bench-"+suffix+"@example.com", "Passw0rd-"+suffix+"!")
		if err != nil {
			b.Fatal(err)
		}
		benchAccounts = append(benchAccounts, u)
	}
	out := make([]benchPerson, n)
	for i, u := range benchAccounts[:n] {
		unlink(b, u.Id)
		out[i] = benchPerson{user: u, oid: newOID()}
	}
	return out
}

// unlink removes an account's link, as an admin does.
func unlink(b *testing.B, userID string) {
	b.Helper()
	if r := pluginCall(b, "DELETE", "/api/v1/links/users/"+userID, nil, http.Header{"Authorization": {"Bearer " + env.Admin.Client.AuthToken}}); r.status != 200 && r.status != 404 {
		b.Fatalf("unlink %s: %d %s", userID, r.status, r.raw)
	}
}

func useBenchSignIn(b *testing.B) {
	b.Helper()
	if err := harness.SetPluginSettings(testContext(b), env.Admin.Client, env.PluginID, signInSettings()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSignInExchange measures whole tab sign-ins through the real
// server, one after another, each with a new token of a linked person:
// HTTP to Mattermost, the plugin RPC, token validation with warm keys,
// the account lookup and a new session. The sign-ins go round 50 people,
// as a server's sign-ins do, which keeps each within its per-minute
// bound.
func BenchmarkSignInExchange(b *testing.B) {
	useBenchSignIn(b)
	people := benchPeople(b, 50)
	for _, p := range people {
		if r := exchange(b, cloud.Sign(tabToken(p.oid, p.user.Email)), "", nil); r.status != 200 {
			b.Fatalf("first sign-in of %s: %d %s", p.user.Username, r.status, r.body)
		}
	}
	tokens := make([]string, b.N)
	for i := range tokens {
		p := people[i%len(people)]
		tokens[i] = cloud.Sign(tabToken(p.oid, p.user.Email))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := exchange(b, tokens[i], "", nil); r.status != 200 {
			b.Fatalf("exchange %d: %d %s", i, r.status, r.body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}

// BenchmarkConcurrentSignIns measures sign-ins that arrive together: the
// first sign-ins of 50 different people at once, and 20 of one person at
// once (Teams, Outlook and the Microsoft 365 app opening together, or the
// SDK's retries), first for a person not yet linked, then linked. It
// reports the latency of one sign-in (p50, p95) and the errors, which
// must be none.
func BenchmarkConcurrentSignIns(b *testing.B) {
	useBenchSignIn(b)
	for _, c := range []struct {
		name   string
		people int
		each   int
	}{{"50 people first sign-in", 50, 1}, {"one person 20 at once first sign-in", 1, 20}, {"one person 20 at once linked", 1, 20}} {
		b.Run(c.name, func(b *testing.B) {
			var latencies []time.Duration
			errs := 0
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				// Each round is new identities: one person's new sessions
				// are bounded per minute.
				people := benchPeople(b, c.people)
				if c.name == "one person 20 at once linked" {
					p := people[0]
					if r := exchange(b, cloud.Sign(tabToken(p.oid, p.user.Email)), "", nil); r.status != 200 {
						b.Fatalf("link first: %d", r.status)
					}
				}
				var tokens []string
				for _, p := range people {
					for range c.each {
						tokens = append(tokens, cloud.Sign(tabToken(p.oid, p.user.Email)))
					}
				}
				b.StartTimer()
				took, failed := signInAtOnce(b, tokens)
				latencies = append(latencies, took...)
				errs += failed
			}
			slices.Sort(latencies)
			p50, p95 := ms(latencies[len(latencies)/2]), ms(latencies[len(latencies)*95/100])
			if errs != 0 {
				b.Fatalf("%d of %d sign-ins failed (p50 %.1f ms, p95 %.1f ms)", errs, len(latencies), p50, p95)
			}
			b.ReportMetric(p50, "p50-ms")
			b.ReportMetric(p95, "p95-ms")
			b.ReportMetric(float64(errs), "errors")
		})
	}
}

// signInAtOnce starts every sign-in together and returns how long each
// took, and how many did not answer 200.
func signInAtOnce(b *testing.B, tokens []string) ([]time.Duration, int) {
	took := make([]time.Duration, len(tokens))
	status := make([]int, len(tokens))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			status[i] = exchange(b, tok, "", nil).status
			took[i] = time.Since(t0)
		}()
	}
	close(start)
	wg.Wait()
	failed := 0
	for _, s := range status {
		if s != 200 {
			failed++
		}
	}
	return took, failed
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
