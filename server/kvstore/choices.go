package kvstore

import (
	"fmt"
	"strings"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// Choices mirror each person's Teams notification choice, which lives in
// a Mattermost preference: the plugin API reads preferences one person at
// a time, and deciding whom to tell about a post to thousands must not.
// Only people who made a choice have a key.
type Choices struct {
	KV mmapi.KV
}

const choiceKeyPrefix = "choice_"

// Set stores a person's choice; "" removes it.
func (c Choices) Set(userID, choice string) error {
	if choice == "" {
		if appErr := c.KV.KVDelete(choiceKeyPrefix + userID); appErr != nil {
			return fmt.Errorf("remove notification choice: %w", appErr)
		}
		return nil
	}
	if appErr := c.KV.KVSet(choiceKeyPrefix+userID, []byte(choice)); appErr != nil {
		return fmt.Errorf("store notification choice: %w", appErr)
	}
	return nil
}

// Each calls visit with every stored choice.
func (c Choices) Each(list Lister, visit func(userID, choice string)) error {
	const perPage = 1000
	for page := 0; ; page++ {
		keys, appErr := list.KVList(page, perPage)
		if appErr != nil {
			return fmt.Errorf("list stored keys: %w", appErr)
		}
		for _, key := range keys {
			userID, ok := strings.CutPrefix(key, choiceKeyPrefix)
			if !ok {
				continue
			}
			data, appErr := c.KV.KVGet(key)
			if appErr != nil {
				return fmt.Errorf("read notification choice: %w", appErr)
			}
			if data != nil {
				visit(userID, string(data))
			}
		}
		if len(keys) < perPage {
			return nil
		}
	}
}
