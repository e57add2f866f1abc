package entra

import (
	"context"
	"testing"
)

// BenchmarkValidate measures one token check with warm keys: parsing, the
// RS256 signature, and every claim rule; no network.
func BenchmarkValidate(b *testing.B) {
	cloud, v := startCloud(b)
	raw := cloud.Sign(cloud.AccessToken(spec(2)))
	ctx := context.Background()
	if _, err := v.Validate(ctx, raw); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Validate(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := cloud.JWKSRequests(); n != 1 {
		b.Fatalf("keys fetched %d times", n)
	}
}
