#!/usr/bin/env bash
# Starts (or stops) an ovsdb-server + ovs-vswitchd pair for Mininet in the ROOT network namespace (Mininet's
# switches live there), with every file in STATE_DIR -- nothing at /var/run/openvswitch.
#
#   ovs-default.sh start STATE_DIR   # conf.db, db.sock, <bridge>.mgmt, logs and pidfiles go to STATE_DIR
#   ovs-default.sh stop STATE_DIR    # stops exactly the daemons whose pidfiles are in STATE_DIR
#
# Mininet runs plain `ovs-vsctl`/`ovs-ofctl`; they find these daemons when OVS_RUNDIR=STATE_DIR is exported
# (their default database is unix:$OVS_RUNDIR/db.sock). So another OVS at the real default paths is never
# touched, and no db.sock is left in /var/run/openvswitch.
#
# The root namespace has room for one userspace datapath (its tap device is always named ovs-netdev) and one
# set of Mininet interface names: callers hold `flock /run/lock/ovs-sdn-mininet.lock` from start to stop
# (examples/mininet/run.sh and the Mininet test do).
set -euo pipefail
cmd=${1:?usage: ovs-default.sh start|stop STATE_DIR}
dir=${2:?usage: ovs-default.sh start|stop STATE_DIR}
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir

stop_pid() {
  local f=$1
  local pid
  # The daemon removes its own pidfile as it exits (e.g. after `exit --cleanup` above): gone is fine.
  pid=$(cat "$f" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --pidfile="$dir/ovsdb-server.pid" \
      --unixctl="$dir/ovsdb-server.ctl" --log-file="$dir/ovsdb-server.log" -vconsole:off --detach
    ovs-vsctl --db="unix:$dir/db.sock" --no-wait init
    ovs-vswitchd "unix:$dir/db.sock" --pidfile="$dir/ovs-vswitchd.pid" --unixctl="$dir/ovs-vswitchd.ctl" \
      --log-file="$dir/ovs-vswitchd.log" -vconsole:off --detach
    ;;
  stop)
    # `exit --cleanup` deletes the datapath and its ports: the netdev datapath's tap devices (ovs-netdev and one
    # per bridge) would otherwise outlive the daemon in the root namespace. Then the pidfiles, as a fallback.
    if [ -S "$dir/ovs-vswitchd.ctl" ]; then
      ovs-appctl -t "$dir/ovs-vswitchd.ctl" --timeout=5 exit --cleanup >/dev/null 2>&1 || true
    fi
    stop_pid "$dir/ovs-vswitchd.pid"
    stop_pid "$dir/ovsdb-server.pid"
    rm -f "$dir/db.sock"
    ;;
  *)
    echo "usage: ovs-default.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
