package kvstore

import (
	"fmt"

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
	return eachWithPrefix(list, choiceKeyPrefix, func(userID string) error {
		data, appErr := c.KV.KVGet(choiceKeyPrefix + userID)
		if appErr != nil {
			return fmt.Errorf("read notification choice: %w", appErr)
		}
		if data != nil {
			visit(userID, string(data))
		}
		return nil
	})
}
