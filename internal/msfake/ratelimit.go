package msfake

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Graph's documented throttling limits the fake keeps, per tenant.
const (
	// Directory reads: 3,500 resource units per 10 seconds for a tenant
	// under 50 users (the smallest, so the strictest); a user list costs
	// 2 units, 1 with $select.
	directoryUnitsPer10s = 3500
	// Teams app installations for users: 30 requests a second per app
	// per tenant.
	installsPerSecond = 30
)

// rateBucket is a token bucket: rate tokens a second, holding at most
// burst.
type rateBucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func newBucket(rate, burst float64) *rateBucket {
	return &rateBucket{rate: rate, burst: burst, tokens: burst}
}

// spend takes cost tokens at now, or says how long until there are.
func (b *rateBucket) spend(now time.Time, cost float64) (time.Duration, bool) {
	if !b.last.IsZero() {
		if elapsed := now.Sub(b.last); elapsed > 0 {
			b.tokens = math.Min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		}
	}
	b.last = now
	if b.tokens >= cost {
		b.tokens -= cost
		return 0, true
	}
	return time.Duration((cost - b.tokens) / b.rate * float64(time.Second)), false
}

// directoryBucket and installBucket are a tenant's buckets; the caller
// holds mu.
func (g *graphState) directoryBucket(tenant string) *rateBucket {
	if g.directory[tenant] == nil {
		g.directory[tenant] = newBucket(directoryUnitsPer10s/10, directoryUnitsPer10s)
	}
	return g.directory[tenant]
}

func (g *graphState) installBucket(tenant string) *rateBucket {
	if g.installs[tenant] == nil {
		g.installs[tenant] = newBucket(installsPerSecond, installsPerSecond)
	}
	return g.installs[tenant]
}

// throttled answers Graph's 429, with Retry-After in whole seconds.
func throttled(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(max(wait.Seconds(), 1))), 10))
	writeGraphError(w, r, http.StatusTooManyRequests, "TooManyRequests",
		"Too many requests. Retry after the number of seconds in Retry-After.")
}
