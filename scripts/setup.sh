#!/usr/bin/env bash
# Installs whatever is missing for the tests, the demo and the benchmarks: Debian packages (Open vSwitch and
# friends) and the npm dependencies. Safe to run again; it does nothing when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(openvswitch-switch openvswitch-pki openvswitch-common iproute2 iputils-ping ethtool mininet python3-os-ken python3-openvswitch)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The Debian service is not needed: every test, lab node and benchmark starts its own OVS instance.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund >&2
fi
