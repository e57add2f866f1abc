package sso

import "testing"

// The plugin API is a round trip to the server per call, so a sign-in's
// cost is mostly its calls, reported as calls/op.

func BenchmarkExchangeByLink(b *testing.B) {
	h := newHarness(nil, true)
	u := h.api.addUser("alice")
	token := h.tokens.member("oid-a", u.Email)
	if _, err := h.svc.Matcher.Links.Link(identityOf(h, token), u.Id, "confirmed"); err != nil {
		b.Fatal(err)
	}
	benchExchange(b, h, token)
}

func BenchmarkExchangeByEmailLink(b *testing.B) {
	h := newHarness(nil, true)
	u := h.api.addUser("alice")
	token := h.tokens.member("oid-a", u.Email)
	if _, err := h.exchange(token); err != nil {
		b.Fatal(err)
	}
	benchExchange(b, h, token)
}

func benchExchange(b *testing.B, h *harness, token string) {
	h.api.calls = 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.exchange(token); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(h.api.calls)/float64(b.N), "calls/op")
}
