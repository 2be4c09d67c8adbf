#!/usr/bin/env bash
# The Debian programs the tests drive as real clients: the OpenStack and Cinder command-line
# clients at /usr/bin (tests call them there, not whatever is first on PATH) and OpenStack's
# conformance suite, Tempest (scripts/tempest.sh), and the headless Chromium that the web
# console's tests drive (test/support/browser.ts). `npm test` runs
# this first, so a fresh Debian machine needs nothing installed by hand.
set -euo pipefail

need=()
[ -x /usr/bin/openstack ] || need+=(python3-openstackclient)
[ -x /usr/bin/cinder ] || need+=(python3-cinderclient)
[ -x /usr/bin/tempest ] || need+=(python3-tempest)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "test-tools: ${need[*]} missing and no root to install them: the tests that drive them will fail (apt-get install ${need[*]})" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-tools: ${need[*]} missing and no apt-get here: the tests that drive them will fail" >&2
  exit 0
fi
echo "test-tools: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
