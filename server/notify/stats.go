package notify

import (
	"encoding/json"
	"sync"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// Counts are the worker's totals since the plugin was installed.
type Counts struct {
	// Requests Graph accepted, and the people they reached.
	Requests  int `json:"requests"`
	Delivered int `json:"delivered"`
	// Throttled is how many 429 answers were waited out; Retries how many
	// other failures were retried.
	Throttled int `json:"throttled"`
	Retries   int `json:"retries"`
	// GaveUp, Expired and Dropped count people never told: after failing
	// for too long or being refused, after waiting in the queue too long,
	// or dropped as the oldest from a full queue.
	GaveUp  int `json:"gave_up"`
	Expired int `json:"expired"`
	Dropped int `json:"dropped"`
	// Spared counts people not told because, by the end of the hold,
	// they had read the post or were at work in Mattermost, or chose
	// not to be told.
	Spared int `json:"spared"`
	// Replaced counts people not told of a post because a later post of
	// the same conversation, still queued, replaces it in their feed.
	Replaced int `json:"replaced"`
	// Withdrawn counts people not told because, when the notification
	// was about to leave, its post was deleted, or they were deactivated,
	// no longer linked to the identity it named, or refused by Teams
	// within the last day.
	Withdrawn int `json:"withdrawn"`
	// Refused counts people Graph refused on their own (the Teams app not
	// installed for them, or unknown to the directory), found by
	// splitting the request that named them; they are then left out for
	// a day, counted in Withdrawn.
	Refused int `json:"refused"`
}

const statsKey = "nq_stats"

// Stats keeps Counts in the KV store. Only the worker holding the lock
// writes them.
type Stats struct {
	KV mmapi.KV
	mu sync.Mutex
}

// Read returns the totals.
func (s *Stats) Read() (Counts, error) {
	var c Counts
	data, appErr := s.KV.KVGet(statsKey)
	if appErr != nil {
		return c, appErr
	}
	if data != nil {
		if err := json.Unmarshal(data, &c); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (s *Stats) add(change func(*Counts)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.Read()
	if err != nil {
		return
	}
	change(&c)
	if data, err := json.Marshal(c); err == nil {
		_ = s.KV.KVSet(statsKey, data)
	}
}
