package recipients

import (
	"fmt"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

func resolver(m *memServer, linked linkedSet) *Resolver {
	return &Resolver{API: m, Linked: linked, Options: func() Options {
		return Options{MaxNotificationsPerChannel: 100000, CollapsedThreads: true}
	}}
}

// bigChannel is a channel of members people, every fifth of them linked.
func bigChannel(members int) (*memServer, *model.Channel, *model.User, linkedSet) {
	m := newMemServer()
	users := make([]*model.User, members)
	linked := linkedSet{}
	for i := range users {
		users[i] = m.addUser(fmt.Sprintf("user%05d", i))
		if i%5 == 1 {
			linked[users[i].Id] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		}
	}
	return m, m.addChannel(model.ChannelTypeOpen, users...), users[0], linked
}

// BenchmarkResolveNoMention is a post that can notify nobody, in a
// channel seen before: it must cost no plugin API call.
func BenchmarkResolveNoMention(b *testing.B) {
	m, ch, author, linked := bigChannel(1000)
	r := resolver(m, linked)
	post := &model.Post{Id: model.NewId(), ChannelId: ch.Id, UserId: author.Id, Message: "routine status update, all green"}
	benchNobodyTold(b, m, r, post)
}

// BenchmarkResolveChannelMention10k is @channel in a channel of 10,000
// with 2,000 linked: everyone linked is told, with at most one plugin API
// call per 200 members.
func BenchmarkResolveChannelMention10k(b *testing.B) {
	const members = 10000
	m, ch, author, linked := bigChannel(members)
	r := resolver(m, linked)
	post := &model.Post{Id: model.NewId(), ChannelId: ch.Id, UserId: author.Id, Message: "@channel bridge is open"}
	var d *Decision
	var calls int64
	b.ReportAllocs()
	for b.Loop() {
		m.calls.Store(0)
		var err error
		if d, err = r.Resolve(post); err != nil {
			b.Fatal(err)
		}
		calls = m.calls.Load()
	}
	if d == nil || len(d.Recipients) != len(linked) {
		b.Fatalf("told %d of %d linked members", len(d.Recipients), len(linked))
	}
	if calls > members/200 {
		b.Fatalf("%d plugin API calls for %d members", calls, members)
	}
	b.ReportMetric(float64(calls), "api-calls/op")
}

// keywordSet is linked people's keywords in memory.
type keywordSet map[string][]string

func (k keywordSet) Len() int                    { return len(k) }
func (k keywordSet) Lookup(word string) []string { return k[word] }

// BenchmarkResolveNoMentionWithKeywords is the same post when 2,000
// linked people chose keywords, none of which it uses: still no call.
func BenchmarkResolveNoMentionWithKeywords(b *testing.B) {
	m, ch, author, linked := bigChannel(10000)
	r := resolver(m, linked)
	words := keywordSet{}
	for id := range linked {
		words[fmt.Sprintf("kw%s", id[:6])] = []string{id}
	}
	r.Keywords = words
	post := &model.Post{Id: model.NewId(), ChannelId: ch.Id, UserId: author.Id,
		Message: "routine status update: all green, **no** action needed; next check at 14:00 per the runbook"}
	benchNobodyTold(b, m, r, post)
}

// benchNobodyTold resolves a post that tells nobody, once its channel is
// known, and fails on any plugin API call.
func benchNobodyTold(b *testing.B, m *memServer, r *Resolver, post *model.Post) {
	b.Helper()
	if _, err := r.Resolve(post); err != nil { // learns the channel's type
		b.Fatal(err)
	}
	m.calls.Store(0)
	b.ReportAllocs()
	for b.Loop() {
		if d, err := r.Resolve(post); err != nil || d != nil {
			b.Fatalf("decision %v, %v", d, err)
		}
	}
	if calls := m.calls.Load(); calls != 0 {
		b.Fatalf("%d plugin API calls", calls)
	}
	b.ReportMetric(0, "api-calls/op")
}
