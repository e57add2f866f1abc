// Package mmapi declares, once, the parts of the Mattermost plugin API
// that several of the plugin's packages consume: its logger, its
// key-value store and reading an account. Each package's own API interface embeds these and adds
// only what is particular to it, so a fake of the plugin API written for
// one package fits the others.
package mmapi

import "github.com/mattermost/mattermost/server/public/model"

// Logger is the plugin API's structured logger.
type Logger interface {
	LogDebug(msg string, keyValuePairs ...any)
	LogInfo(msg string, keyValuePairs ...any)
	LogWarn(msg string, keyValuePairs ...any)
	LogError(msg string, keyValuePairs ...any)
}

// Users reads an account by its ID.
type Users interface {
	GetUser(userID string) (*model.User, *model.AppError)
}

// KV is the plugin's key-value store, as the plugin uses it.
type KV interface {
	KVGet(key string) ([]byte, *model.AppError)
	KVSet(key string, value []byte) *model.AppError
	KVDelete(key string) *model.AppError
	KVCompareAndSet(key string, oldValue, newValue []byte) (bool, *model.AppError)
	KVSetWithOptions(key string, value []byte, options model.PluginKVSetOptions) (bool, *model.AppError)
}
