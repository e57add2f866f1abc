package reach

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// BenchmarkLinkAndInstall10k links and installs 10,000 accounts, nine in
// ten found by email and one in ten by the Office 365 sign-in they carry,
// against the fake Graph and its documented throttling. bound-s is the
// least time those limits allow for the lookups and installs made;
// of-bound is bound-s over the time taken.
func BenchmarkLinkAndInstall10k(b *testing.B) {
	const n = 10000
	for range b.N {
		b.StopTimer()
		w := newWorld(b)
		for i := range n {
			id := fmt.Sprintf("u%05d", i)
			oid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
			w.cloud.AddUser(tenant, msfake.User{ObjectID: oid, Mail: id + "@example.com", UserPrincipalName: id + "@example.com"})
			u := member(id, id, id+"@example.com")
			if i%10 == 0 {
				u.AuthService, u.AuthData = model.ServiceOffice365, model.NewPointer(oid)
			}
			w.api.add(u)
		}
		if err := w.job.RequestRun("@bench"); err != nil {
			b.Fatal(err)
		}
		calls, requests := w.api.calls.Load(), w.requests.graph.Load()
		b.StartTimer()
		start := time.Now()
		w.job.RunDue(context.Background())
		elapsed := time.Since(start)
		b.StopTimer()
		st, err := w.job.Status()
		if err != nil || st.Last == nil || st.Last.Error != "" || st.Last.Installed != n {
			b.Fatalf("run: %+v %v", st.Last, err)
		}
		lookups := float64(n - n/10)
		bound := max((float64(n)-float64(DefaultLimits.InstallBurst))/DefaultLimits.InstallsPerSecond,
			(lookups-float64(DefaultLimits.LookupBurst))/DefaultLimits.LookupsPerSecond)
		b.ReportMetric(float64(w.requests.graph.Load()-requests), "graph-requests/op")
		b.ReportMetric(float64(w.api.calls.Load()-calls), "api-calls/op")
		b.ReportMetric(elapsed.Seconds(), "s/op")
		b.ReportMetric(bound, "bound-s")
		b.ReportMetric(bound/elapsed.Seconds(), "of-bound")
	}
}
