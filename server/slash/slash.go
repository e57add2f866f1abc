// Package slash has what the plugin's slash commands share: how one is
// registered and how it answers.
package slash

import (
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// Define is a command's registration, offered in autocomplete.
func Define(trigger, displayName, description, autocomplete, hint string) *model.Command {
	return &model.Command{
		Trigger:          trigger,
		DisplayName:      displayName,
		Description:      description,
		AutoComplete:     true,
		AutoCompleteDesc: autocomplete,
		AutoCompleteHint: hint,
	}
}

// Reply is an answer only the person who typed the command sees.
func Reply(text string) *model.CommandResponse {
	return &model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: text}
}

// maxQuoted is how many characters of a typed value an answer repeats.
const maxQuoted = 32

// Quote is a typed value as an answer may repeat it: short, cut between
// characters, and without markdown that would change the answer around
// it.
func Quote(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune("`*_~[]()<>|#\\", r) || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > maxQuoted {
		return string(r[:maxQuoted]) + "…"
	}
	return s
}
