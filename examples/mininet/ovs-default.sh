#!/usr/bin/env bash
# Starts (or stops) an ovsdb-server + ovs-vswitchd pair at Open vSwitch's DEFAULT paths in the root network
# namespace -- what Mininet expects (it runs plain `ovs-vsctl`/`ovs-ofctl`, which use
# unix:/var/run/openvswitch/db.sock and /var/run/openvswitch/<bridge>.mgmt).
#
#   ovs-default.sh start STATE_DIR   # conf.db, logs and pidfiles go to STATE_DIR
#   ovs-default.sh stop STATE_DIR    # stops exactly the daemons whose pidfiles are in STATE_DIR
#
# It refuses to start when something already answers on the default db socket (it never takes over or stops
# daemons it did not start).
set -euo pipefail
cmd=${1:?usage: ovs-default.sh start|stop STATE_DIR}
dir=${2:?usage: ovs-default.sh start|stop STATE_DIR}
run=/var/run/openvswitch

stop_pid() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "$cmd" in
  start)
    mkdir -p "$dir" "$run"
    if [ -S "$run/db.sock" ] && ovs-vsctl --timeout=2 show >/dev/null 2>&1; then
      echo "ovs-default: an ovsdb-server already serves $run/db.sock; not starting another" >&2
      exit 1
    fi
    rm -f "$run/db.sock"
    ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$dir/conf.db" --remote="punix:$run/db.sock" --pidfile="$dir/ovsdb-server.pid" \
      --unixctl="$dir/ovsdb-server.ctl" --log-file="$dir/ovsdb-server.log" --detach
    ovs-vsctl --no-wait init
    ovs-vswitchd "unix:$run/db.sock" --pidfile="$dir/ovs-vswitchd.pid" --unixctl="$dir/ovs-vswitchd.ctl" \
      --log-file="$dir/ovs-vswitchd.log" --detach
    ;;
  stop)
    stop_pid "$dir/ovs-vswitchd.pid"
    stop_pid "$dir/ovsdb-server.pid"
    rm -f "$run/db.sock"
    ;;
  *)
    echo "usage: ovs-default.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
