#!/usr/bin/env bash
# same-bundle.sh SHIPPED TESTED PLATFORM: the bundle the end-to-end suite
# installed holds the files of the shipped bundle byte for byte, and the
# shipped bundle adds only the server binaries of platforms other than
# PLATFORM.
set -euo pipefail
shipped=$1 tested=$2 platform=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/shipped" "$work/tested"
tar -xzf "$shipped" -C "$work/shipped"
tar -xzf "$tested" -C "$work/tested"
files() { (cd "$1" && find . -type f | LC_ALL=C sort); }
status=0
while IFS= read -r f; do
  if [ ! -f "$work/shipped/$f" ]; then
    echo "bundle check: $f is only in the tested bundle" >&2; status=1
  elif ! cmp -s "$work/shipped/$f" "$work/tested/$f"; then
    echo "bundle check: $f differs between the shipped and the tested bundle" >&2; status=1
  fi
done < <(files "$work/tested")
extra=0
while IFS= read -r f; do
  case "$f" in
    ./*/server/dist/plugin-"$platform") echo "bundle check: the tested bundle lacks $f" >&2; status=1 ;;
    ./*/server/dist/plugin-*) extra=$((extra + 1)) ;;
    *) echo "bundle check: $f is only in the shipped bundle" >&2; status=1 ;;
  esac
done < <(LC_ALL=C comm -23 <(files "$work/shipped") <(files "$work/tested"))
[ "$status" -eq 0 ] || exit 1
echo "bundle check: the shipped bundle is the tested one plus $extra other platforms' server binaries"
