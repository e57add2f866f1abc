package e2e

import (
	"testing"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

// BenchmarkSignInExchange measures whole tab sign-ins through the real
// server, one after another: HTTP to Mattermost, the plugin RPC, token
// validation with warm keys, the account lookup and a new session.
func BenchmarkSignInExchange(b *testing.B) {
	s := signInSettings()
	if err := harness.SetPluginSettings(testContext(b), env.Admin.Client, env.PluginID, s); err != nil {
		b.Fatal(err)
	}
	oid := userOID
	tokens := make([]string, b.N)
	for i := range tokens {
		tokens[i] = cloud.Sign(tabToken(oid, env.User.Email))
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
