// Package frameancestors keeps the Microsoft hosts that may frame
// Mattermost in ServiceSettings.FrameAncestors: exactly the selected
// cloud's, only while the plugin is configured for it, and without ever
// touching an entry the admin put there. What the plugin added is kept in
// the KV store, so it can be taken away again.
package frameancestors

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// Plan is what the list should become.
type Plan struct {
	// List is the new FrameAncestors value.
	List string
	// Owned are the entries of List the plugin added.
	Owned []string
	// Changed reports whether List differs from the current value.
	Changed bool
}

// Reconcile works out the frame-ancestors list that holds the wanted
// origins: entries the plugin added before and no longer wants are
// removed, wanted ones missing are added, and everything else (the
// admin's) stays in its place. Applied to its own result it changes
// nothing, so one save reaches a fixed point.
func Reconcile(current string, owned, wanted []string) Plan {
	key := strings.ToLower
	want := map[string]bool{}
	for _, w := range wanted {
		want[key(w)] = true
	}
	ownedSet := map[string]bool{}
	for _, o := range owned {
		ownedSet[key(o)] = true
	}
	var list, keptOwned []string
	have := map[string]bool{}
	for _, e := range strings.Fields(current) {
		k := key(e)
		if have[k] {
			// A repeat of an entry already kept adds nothing; drop it only
			// if the plugin put it there.
			if ownedSet[k] {
				continue
			}
		}
		if ownedSet[k] && !want[k] {
			continue
		}
		have[k] = true
		list = append(list, e)
		if ownedSet[k] && !slices.Contains(keptOwned, e) {
			keptOwned = append(keptOwned, e)
		}
	}
	for _, w := range wanted {
		if !have[key(w)] {
			have[key(w)] = true
			list = append(list, w)
			keptOwned = append(keptOwned, w)
		}
	}
	next := strings.Join(list, " ")
	return Plan{List: next, Owned: keptOwned, Changed: next != current}
}

// API is the part of the plugin API the list needs.
type API interface {
	GetConfig() *model.Config
	SaveConfig(cfg *model.Config) *model.AppError
	mmapi.KV
	mmapi.Logger
}

const ownedKey = "frame_ancestors_added"

// Keeper applies Reconcile to the server configuration.
type Keeper struct {
	API API
	// Legacy are the origins earlier versions added without keeping a
	// record; with no record yet, those present count as the plugin's.
	Legacy []string

	applying sync.Mutex
}

// Apply runs Ensure with what wanted returns, logging a failure. Runs
// are one at a time, each reading wanted once it starts, so that an
// older change never undoes a newer one.
func (k *Keeper) Apply(wanted func() []string) {
	k.applying.Lock()
	defer k.applying.Unlock()
	if err := k.Ensure(wanted()); err != nil {
		k.API.LogError("Updating the Microsoft hosts that may frame Mattermost failed; set them under ServiceSettings.FrameAncestors",
			"error", err.Error())
	}
}

// Ensure makes FrameAncestors hold exactly the wanted Microsoft origins
// the plugin is responsible for (none when wanted is empty), saving the
// server configuration only when it changes.
func (k *Keeper) Ensure(wanted []string) error {
	owned, recorded, err := k.owned()
	if err != nil {
		return err
	}
	cfg := k.API.GetConfig()
	current := model.SafeDereference(cfg.ServiceSettings.FrameAncestors)
	if !recorded {
		owned = present(current, k.Legacy)
	}
	plan := Reconcile(current, owned, wanted)
	if recorded && !plan.Changed && slices.Equal(owned, plan.Owned) {
		return nil
	}
	// Record first what the plugin is about to own, so that a save that
	// lands and a crash before the record cannot orphan an entry.
	if err := k.setOwned(union(owned, plan.Owned)); err != nil {
		return err
	}
	if plan.Changed {
		cfg.ServiceSettings.FrameAncestors = model.NewPointer(plan.List)
		if appErr := k.API.SaveConfig(cfg); appErr != nil {
			return fmt.Errorf("save frame ancestors: %w", appErr)
		}
		k.API.LogInfo("Updated the Microsoft hosts that may frame Mattermost", "frame_ancestors", plan.List)
	}
	return k.setOwned(plan.Owned)
}

func (k *Keeper) owned() ([]string, bool, error) {
	data, appErr := k.API.KVGet(ownedKey)
	if appErr != nil {
		return nil, false, fmt.Errorf("read the frame ancestors the plugin added: %w", appErr)
	}
	if data == nil {
		return nil, false, nil
	}
	var owned []string
	if err := json.Unmarshal(data, &owned); err != nil {
		return nil, false, fmt.Errorf("decode the frame ancestors the plugin added: %w", err)
	}
	return owned, true, nil
}

// present is the entries of list found in current.
func present(current string, list []string) []string {
	var out []string
	for _, e := range strings.Fields(current) {
		if slices.ContainsFunc(list, func(l string) bool { return strings.EqualFold(l, e) }) {
			out = append(out, e)
		}
	}
	return out
}

func (k *Keeper) setOwned(owned []string) error {
	data, err := json.Marshal(owned)
	if err != nil {
		return fmt.Errorf("encode the frame ancestors the plugin added: %w", err)
	}
	if appErr := k.API.KVSet(ownedKey, data); appErr != nil {
		return fmt.Errorf("store the frame ancestors the plugin added: %w", appErr)
	}
	return nil
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.ContainsFunc(out, func(y string) bool { return strings.EqualFold(x, y) }) {
			out = append(out, x)
		}
	}
	return out
}
