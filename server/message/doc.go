// Package message reads a post's markdown the way Mattermost does: the
// @-mentions outside code, a plain-text preview, and safe HTML.
package message
