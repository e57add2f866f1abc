package linkindex

import (
	"encoding/json"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// ChoiceEvent tells the other servers of a cluster about a person's new
// Teams notification choice.
const ChoiceEvent = "choice"

type choiceMessage struct {
	UserID string           `json:"user_id"`
	Choice attention.Choice `json:"choice"`
}

// Choice is a person's Teams notification choice.
func (l *Live) Choice(userID string) attention.Choice {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if c, ok := l.choices[userID]; ok {
		return c
	}
	return attention.Default
}

// SetChoice records a person's choice here, in the KV store's mirror and
// on the other servers; always, since memory that missed a change must
// not keep the store from hearing of the next.
func (l *Live) SetChoice(userID string, c attention.Choice) error {
	stored := string(c)
	if c == attention.Default {
		stored = ""
	}
	if err := (kvstore.Choices{KV: l.API}).Set(userID, stored); err != nil {
		return err
	}
	l.applyChoice(userID, c)
	l.record(change{UserID: userID, Choice: true})
	data, err := json.Marshal(choiceMessage{UserID: userID, Choice: c})
	if err != nil {
		return err
	}
	if err := l.API.PublishPluginClusterEvent(model.PluginClusterEvent{Id: ChoiceEvent, Data: data},
		model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable}); err != nil {
		l.API.LogWarn("Telling the cluster about a Teams notification choice failed", "error", err.Error())
	}
	return nil
}

func (l *Live) applyChoice(userID string, c attention.Choice) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.choices == nil {
		l.choices = map[string]attention.Choice{}
	}
	if c == attention.Default {
		delete(l.choices, userID)
		return
	}
	l.choices[userID] = c
}

// PreferencesChanged mirrors the Teams notification choices among
// preferences a person saved; other preferences are not the plugin's.
func (l *Live) PreferencesChanged(prefs []model.Preference) {
	for _, pref := range prefs {
		if pref.Category != attention.PreferenceCategory || pref.Name != attention.PreferenceName {
			continue
		}
		// The hook runs in the background, so an older save may arrive
		// after a newer one: the preference as stored now is the answer.
		value := pref.Value
		if now, appErr := l.API.GetPreferenceForUser(pref.UserId, pref.Category, pref.Name); appErr == nil {
			value = now.Value
		}
		choice, err := attention.ParseChoice(value)
		if err != nil {
			l.API.LogWarn("Ignored an invalid Teams notification choice", "user_id", pref.UserId, "error", err.Error())
			continue
		}
		if err := l.SetChoice(pref.UserId, choice); err != nil {
			l.API.LogError("Storing a Teams notification choice failed", "user_id", pref.UserId, "error", err.Error())
		}
	}
}

// loadChoices reads every choice: from Mattermost's preferences, the
// choice itself, in one query; else from the KV store's mirror. A failed
// read keeps the choices known.
func (l *Live) loadChoices() {
	choices, err := l.readChoices()
	if err != nil {
		l.API.LogError("Loading the Teams notification choices failed; the choices known are kept", "error", err.Error())
		return
	}
	l.mu.Lock()
	l.choices = choices
	l.mu.Unlock()
}

func (l *Live) readChoices() (map[string]attention.Choice, error) {
	if l.DB != nil {
		if db := l.DB(); db != nil {
			return choicesFromPreferences(db)
		}
	}
	choices := map[string]attention.Choice{}
	err := kvstore.Choices{KV: l.API}.Each(l.API, func(userID, stored string) {
		if c, err := attention.ParseChoice(stored); err == nil && c != attention.Default {
			choices[userID] = c
		}
	})
	return choices, err
}

// syncChoice reads a person's stored preference once, for a choice made
// before the plugin mirrored it (before linking, or while it was off).
func (l *Live) syncChoice(userID string) {
	pref, appErr := l.API.GetPreferenceForUser(userID, attention.PreferenceCategory, attention.PreferenceName)
	if appErr != nil {
		return // none made
	}
	if c, err := attention.ParseChoice(pref.Value); err == nil {
		if err := l.SetChoice(userID, c); err != nil {
			l.API.LogWarn("Storing a Teams notification choice failed", "user_id", userID, "error", err.Error())
		}
	}
}
