package notify

import (
	"context"
	"encoding/json"
	"errors"
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
	// RetryAfter is, when Graph throttled it, when it may go.
	RetryAfter time.Time `json:"retry_after,omitzero"`
}

const (
	testsKey       = "nq_tests"
	testUserPrefix = "nq_testuser_"
	testKeyPrefix  = "nq_test_"
	testOutcomeFor = 10 * time.Minute
	// testPendingFor is how long a person waits before asking again: one
	// test a minute each, so nobody can crowd real notifications out of
	// Graph's two requests a second.
	testPendingFor = time.Minute
	// maxTests is how many tests may wait at once, from everyone.
	maxTests = 50
	// TestActivityType is the type a test goes as: one every Teams app
	// package of the plugin declares, so the test works with the app
	// already in the catalog.
	TestActivityType = "directMessage"
)

// Why a test was not queued.
var (
	ErrTestPending  = errors.New("this person asked for a test notification less than a minute ago")
	ErrTooManyTests = errors.New("too many test notifications are waiting")
)

// AddTest queues a test notification to one person. It goes ahead of the
// queue, is neither held nor screened (the person asked for it), and
// takes the same Graph call as every other notification. It returns the
// test's ID for TestOutcome.
func (q Queue) AddTest(userID, objectID string, t Target, appName string) (string, error) {
	created, appErr := q.KV.KVSetWithOptions(testUserPrefix+userID, []byte("1"),
		model.PluginKVSetOptions{Atomic: true, ExpireInSeconds: int64(testPendingFor / time.Second)})
	if appErr != nil {
		return "", fmt.Errorf("queue the test notification: %w", appErr)
	}
	if !created {
		return "", ErrTestPending
	}
	var home string
	if t.Home != nil {
		home = t.Home()
	}
	job := Job{
		PostID:   "test_" + model.NewId(),
		Topic:    "Test notification",
		WebURL:   home,
		Preview:  "Teams notifications from Mattermost reach you. You asked for this test.",
		Actor:    appName,
		Channel:  "Mattermost",
		Enqueued: time.Now(),
		Batches:  []Batch{{Type: TestActivityType, Recipients: []string{objectID}, Users: []string{userID}}},
	}
	err := q.updateTests(func(tests []Job) ([]Job, error) {
		if len(tests) >= maxTests {
			return nil, ErrTooManyTests
		}
		return append(tests, job), nil
	})
	if err != nil {
		_ = q.KV.KVDelete(testUserPrefix + userID)
		return "", err
	}
	return job.PostID, nil
}

func (q Queue) tests() ([]Job, []byte, error) {
	data, appErr := q.KV.KVGet(testsKey)
	if appErr != nil {
		return nil, nil, fmt.Errorf("read waiting tests: %w", appErr)
	}
	var tests []Job
	if data != nil {
		if err := json.Unmarshal(data, &tests); err != nil {
			return nil, data, fmt.Errorf("decode waiting tests: %w", err)
		}
	}
	return tests, data, nil
}

// updateTests changes the waiting tests with compare-and-set, which is
// atomic across the cluster.
func (q Queue) updateTests(change func([]Job) ([]Job, error)) error {
	for range 100 {
		tests, old, err := q.tests()
		if err != nil {
			return err
		}
		next, err := change(tests)
		if err != nil {
			return err
		}
		data, err := json.Marshal(next)
		if err != nil {
			return fmt.Errorf("encode waiting tests: %w", err)
		}
		ok, appErr := q.KV.KVSetWithOptions(testsKey, data, model.PluginKVSetOptions{Atomic: true, OldValue: old})
		if appErr != nil {
			return fmt.Errorf("store waiting tests: %w", appErr)
		}
		if ok {
			return nil
		}
	}
	return ErrBusy
}

func (q Queue) testsWaiting() bool {
	tests, _, err := q.tests()
	return err == nil && len(tests) > 0
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

// maxOutcomeError caps Graph's answer kept for the person who asked.
const maxOutcomeError = 300

// sendTest sends the oldest waiting test, if any, and records its
// outcome; a test is tried once, and its answer is the outcome.
func (w *Worker) sendTest(ctx context.Context, d Delivery) (bool, error) {
	tests, _, err := w.Queue.tests()
	if err != nil || len(tests) == 0 {
		return false, err
	}
	job := tests[0]
	if err := w.limiter.Wait(ctx); err != nil {
		return true, nil // stopping
	}
	w.reprobe.Store(false)
	err = w.send(ctx, d, &job, job.Batches[0])
	now := time.Now()
	outcome := TestOutcome{Sent: err == nil}
	if err == nil {
		w.resume(now)
	} else {
		outcome.Cause = graph.Classify(err)
		outcome.Error = err.Error()
		if r := []rune(outcome.Error); len(r) > maxOutcomeError {
			outcome.Error = string(r[:maxOutcomeError]) + "…"
		}
		var gerr *graph.Error
		switch {
		case outcome.Cause.EveryRequest():
			w.pauseFor(now, outcome.Cause, err)
		case outcome.Cause == graph.Throttled && errors.As(err, &gerr):
			outcome.RetryAfter = now.Add(max(gerr.RetryAfter, time.Second))
			_ = w.Queue.setNotBefore(outcome.RetryAfter)
		}
	}
	if data, err := json.Marshal(outcome); err == nil {
		_, _ = w.Queue.KV.KVSetWithOptions(testKeyPrefix+job.PostID, data, model.PluginKVSetOptions{ExpireInSeconds: int64(testOutcomeFor / time.Second)})
	}
	err = w.Queue.updateTests(func(tests []Job) ([]Job, error) {
		for i, t := range tests {
			if t.PostID == job.PostID {
				return append(tests[:i:i], tests[i+1:]...), nil
			}
		}
		return tests, nil
	})
	return true, err
}
