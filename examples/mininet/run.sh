#!/usr/bin/env bash
# Runs Mininet (userspace OVS switches) against the TypeScript learning-switch controller and pings all hosts.
#
#   examples/mininet/run.sh                                   # tree,depth=2,fanout=2
#   examples/mininet/run.sh --custom examples/mininet/topos.py --topo dumbbell,3
#
# It takes the root-namespace Mininet lock (/run/lock/ovs-sdn-mininet.lock, shared with the Mininet test),
# starts ovsdb-server + ovs-vswitchd with all their files in a temporary directory
# (examples/mininet/ovs-default.sh; Mininet finds them through OVS_RUNDIR), the controller on
# 127.0.0.1:$OF_PORT (default 6653), runs `mn ... --test pingall`, and stops everything it started, by PID.
# Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${OF_PORT:-6653}
exec 9>/run/lock/ovs-sdn-mininet.lock
flock -w 300 9 || { echo "another Mininet run holds /run/lock/ovs-sdn-mininet.lock" >&2; exit 1; }
state=$(mktemp -d /tmp/ovs-sdn-mininet.XXXXXX)
export OVS_RUNDIR=$state
ctl_pid=
cleanup() {
  if [ -n "$ctl_pid" ]; then kill "$ctl_pid" 2>/dev/null || true; wait "$ctl_pid" 2>/dev/null || true; fi
  "$here/ovs-default.sh" stop "$state" || true
  rm -rf "$state"
}
trap cleanup EXIT

(cd "$root" && npx tsc -p tsconfig.examples.json)
"$here/ovs-default.sh" start "$state"
node "$root/dist/examples/examples/learning-switch.js" "ptcp:$port:127.0.0.1" &
ctl_pid=$!

topo=("$@")
[ ${#topo[@]} -eq 0 ] && topo=(--topo tree,depth=2,fanout=2)
mn --switch ovs,datapath=user,protocols=OpenFlow13 --controller "remote,ip=127.0.0.1,port=$port" "${topo[@]}" --test pingall
