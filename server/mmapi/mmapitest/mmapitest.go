// Package mmapitest has what every package's fake of the plugin API
// shares.
package mmapitest

// Discard is a logger that drops every line. A fake embeds it and
// declares only the levels its test reads.
type Discard struct{}

func (Discard) LogDebug(string, ...any) {}
func (Discard) LogInfo(string, ...any)  {}
func (Discard) LogWarn(string, ...any)  {}
func (Discard) LogError(string, ...any) {}
