#!/usr/bin/env bash
# The plugin binary may link github.com/mattermost/mattermost/server/public and
# nothing else of the Mattermost server. server/public's model package itself
# imports two small password-hashing packages from server/v8; those are the
# only ones allowed, and any other server/v8 package fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."
allowed='^github.com/mattermost/mattermost/server/v8/channels/app/password/(hashers|phcparser)$'
bad=$(go list -deps ./server | grep '^github.com/mattermost/mattermost/server/v8' | grep -Ev "$allowed" || true)
if [ -n "$bad" ]; then
  echo "the plugin binary must not link these server/v8 packages:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "dependency rule: ok"
