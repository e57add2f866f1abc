// Package frameancestors works out the Microsoft hosts that must be in
// ServiceSettings.FrameAncestors for the tab to be framed: exactly the
// selected cloud's, only while the plugin is configured for it, and
// without ever touching an entry the admin put there. What the plugin
// asked for is kept in the KV store, so it can be taken away again.
//
// The plugin never saves the list itself. The plugin API hands the server
// configuration over RPC in gob, which drops every setting that is false,
// 0 or empty, and the server saves each of those as its default: a save
// from a plugin would turn diagnostics, the marketplace, link previews and
// the rest back on across the whole server. The list is set through the
// REST API instead, which keeps every other setting: by the setup command,
// or by the admin with the value the connection check gives.
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

// API is the part of the plugin API the keeper needs: it reads the
// server configuration, and never saves it.
type API interface {
	GetConfig() *model.Config
	mmapi.KV
	mmapi.Logger
}

const ownedKey = "frame_ancestors_added"

// Keeper works out Reconcile's list for the server configuration.
type Keeper struct {
	API API
	// Legacy are the origins earlier versions added without keeping a
	// record; with no record yet, those present count as the plugin's.
	Legacy []string

	applying sync.Mutex
	// warned is the list last asked for in the log.
	warned string
}

// Status is where the server's list stands against what the plugin needs.
type Status struct {
	Current string   `json:"current"`
	Wanted  []string `json:"wanted"`
	// Value is what ServiceSettings.FrameAncestors must be.
	Value string `json:"value"`
	// InPlace reports whether it is already.
	InPlace bool `json:"inPlace"`
}

// Apply runs Check with what wanted returns, and asks in the log, once
// per value, for the list to be set. Runs are one at a time, each reading
// wanted once it starts, so that an older change never undoes a newer one.
func (k *Keeper) Apply(wanted func() []string) {
	k.applying.Lock()
	defer k.applying.Unlock()
	st, err := k.check(wanted())
	switch {
	case err != nil:
		k.API.LogError("Working out the Microsoft hosts that may frame Mattermost failed", "error", err.Error())
	case !st.InPlace && st.Value != k.warned:
		k.warned = st.Value
		k.API.LogWarn("The Microsoft hosts cannot frame Mattermost until ServiceSettings.FrameAncestors (System Console > Web Server > Frame Ancestors) is set to frame_ancestors; the setup command sets it, and the connection check shows it",
			"frame_ancestors", st.Value)
	case st.InPlace && k.warned != "":
		k.warned = ""
		k.API.LogInfo("The Microsoft hosts may frame Mattermost", "frame_ancestors", st.Value)
	}
}

// Check works out the list the server needs for the wanted origins (none
// when wanted is empty) and whether it is in place.
func (k *Keeper) Check(wanted []string) (Status, error) {
	k.applying.Lock()
	defer k.applying.Unlock()
	return k.check(wanted)
}

func (k *Keeper) check(wanted []string) (Status, error) {
	owned, recorded, err := k.owned()
	if err != nil {
		return Status{}, err
	}
	current := model.SafeDereference(k.API.GetConfig().ServiceSettings.FrameAncestors)
	if !recorded {
		owned = present(current, k.Legacy)
	}
	plan := Reconcile(current, owned, wanted)
	st := Status{Current: current, Wanted: slices.Clone(wanted), Value: plan.List, InPlace: !plan.Changed}
	// Asked for, the entries count as the plugin's, so that a later change
	// of cloud takes them away again; once the list is in place, only
	// what is there and still wanted does.
	next := plan.Owned
	if plan.Changed {
		next = union(owned, plan.Owned)
	}
	if !recorded || !slices.Equal(owned, next) {
		if err := k.setOwned(next); err != nil {
			return Status{}, err
		}
	}
	return st, nil
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
