package notify

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
)

// TestOutcome is what became of a test notification.
type TestOutcome struct {
	Sent bool `json:"sent"`
	// Cause and Error say why Graph did not take it.
	Cause graph.Cause `json:"cause,omitempty"`
	Error string      `json:"error,omitempty"`
}

const (
	testIDPrefix   = "test_"
	testKeyPrefix  = "nq_test_"
	testOutcomeFor = 10 * time.Minute
	// TestActivityType is the type a test goes as: one every Teams app
	// package of the plugin declares, so the test works with the app
	// already in the catalog.
	TestActivityType = "directMessage"
)

// AddTest queues a test notification to one person, through the same
// queue and Graph call as every other. It is neither held nor screened:
// the person asked for it. It returns the test's ID for TestOutcome.
func (q Queue) AddTest(userID, objectID string, t Target, appName string) (string, error) {
	id := testIDPrefix + model.NewId()
	job := &Job{
		PostID:   id,
		Topic:    "Test notification",
		WebURL:   t.Home,
		Preview:  "Teams notifications from Mattermost reach you. You asked for this test.",
		Actor:    appName,
		Channel:  "Mattermost",
		Enqueued: time.Now(),
		Screened: true,
		Test:     true,
		Batches:  []Batch{{Type: TestActivityType, Recipients: []string{objectID}, Users: []string{userID}}},
	}
	added, err := q.Add(job)
	if err != nil {
		return "", err
	}
	if !added {
		return "", fmt.Errorf("queue the test notification: not added")
	}
	return id, nil
}

// TestOutcome is what became of a test, nil while it waits.
func (q Queue) TestOutcome(id string) (*TestOutcome, error) {
	data, appErr := q.KV.KVGet(testKeyPrefix + id)
	if appErr != nil {
		return nil, fmt.Errorf("read the test's outcome: %w", appErr)
	}
	if data == nil {
		return nil, nil
	}
	var o TestOutcome
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("decode the test's outcome: %w", err)
	}
	return &o, nil
}

func (q Queue) setTestOutcome(id string, o TestOutcome) {
	if data, err := json.Marshal(o); err == nil {
		_, _ = q.KV.KVSetWithOptions(testKeyPrefix+id, data, model.PluginKVSetOptions{ExpireInSeconds: int64(testOutcomeFor / time.Second)})
	}
}

// maxOutcomeError caps Graph's answer kept for the person who asked.
const maxOutcomeError = 300

func outcomeOf(err error) TestOutcome {
	msg := err.Error()
	if r := []rune(msg); len(r) > maxOutcomeError {
		msg = string(r[:maxOutcomeError]) + "…"
	}
	return TestOutcome{Cause: graph.Classify(err), Error: msg}
}
