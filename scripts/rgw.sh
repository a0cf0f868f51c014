#!/usr/bin/env bash
# A throwaway S3 server for tests and local lakes: Ceph's RADOS Gateway from Debian's packages (no downloads,
# no Docker). One monitor, one in-memory OSD, no cephx, pool size 1, radosgw on 127.0.0.1 only; everything
# (config, data, logs, pid files) lives in DIR, nothing in /etc/ceph.
#
#   scripts/rgw.sh install            apt-get install radosgw ceph-mon ceph-osd ceph-common (as root)
#   scripts/rgw.sh start DIR          e.g. /tmp/mlrgw; prints the endpoint, access key and secret
#   scripts/rgw.sh stop DIR [--purge] stops the daemons by the PIDs in DIR/run; --purge also removes DIR
#   scripts/rgw.sh gateway-stop DIR   kills only radosgw (the S3 server goes away, the data stays): fault tests
#   scripts/rgw.sh gateway-start DIR  starts radosgw again on the same cluster
#
# Environment (defaults): RGW_PORT (7480), MON_PORT (3300), OSD_PORT_MIN/MAX (6800/6899): a second cluster
# needs other values for all of them. S3_ACCESS_KEY (marketlake-test), S3_SECRET_KEY (marketlake-test-secret):
# the fixed user test/support/rgw.ts defaults to. LC_DEBUG_INTERVAL (5): one lifecycle "day" lasts this many
# seconds so lifecycle rules really run during tests; 0 means real days. MEMSTORE_BYTES (2 GiB of RAM at most).
set -euo pipefail

usage() { echo "usage: $0 install | start DIR | stop DIR [--purge] | gateway-stop DIR | gateway-start DIR" >&2; exit 2; }

cmd_install() {
  export DEBIAN_FRONTEND=noninteractive
  # A fresh container has empty package lists; `apt-get install` alone would fail to find the packages.
  if ! apt-cache show radosgw >/dev/null 2>&1; then apt-get update -qq; fi
  apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd ceph-common
  radosgw --version
}

# Stops only the daemons this DIR started: the pid must still run with DIR's ceph.conf on its command line, so a
# stale pid file can never hit an unrelated process that reused the pid. Never by name: other clusters may run.
cmd_stop() {
  local dir=$1 purge=${2:-} pids=() f pid
  [ -d "$dir" ] || { echo "rgw.sh: nothing at $dir"; return 0; }
  dir=$(cd "$dir" && pwd)
  for f in "$dir"/run/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if [ -n "$pid" ] && grep -qaF -- "$dir/ceph.conf" "/proc/$pid/cmdline" 2>/dev/null; then pids+=("$pid"); fi
    rm -f "$f"
  done
  if [ ${#pids[@]} -gt 0 ]; then
    if [ "$purge" = --purge ]; then
      kill -KILL "${pids[@]}" 2>/dev/null || true # the data goes anyway: no need for a clean shutdown
    else
      kill -TERM "${pids[@]}" 2>/dev/null || true
      # radosgw ends itself after `rgw exit timeout secs` (3 s, see below); anything left after 10 s is killed.
      for _ in $(seq 1 100); do
        local alive=0 p
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
      done
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null && echo "rgw.sh: SIGKILLed $p"; done
    fi
    for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
  fi
  echo "rgw.sh: stopped ${pids[*]:-nothing} in $dir"
  if [ "$purge" = --purge ]; then rm -rf "$dir" && echo "rgw.sh: removed $dir"; fi
}

cmd_start() {
  local dir=$1
  local rgw_port=${RGW_PORT:-7480} mon_port=${MON_PORT:-3300}
  local access=${S3_ACCESS_KEY:-marketlake-test} secret=${S3_SECRET_KEY:-marketlake-test-secret}
  dir=$(realpath -m "$dir") # absolute (ceph.conf paths, the pid check in stop), not created before the checks
  local conf=$dir/ceph.conf
  [ -e "$conf" ] && { echo "rgw.sh: $conf exists; clusters are throwaway: $0 stop $dir --purge" >&2; exit 1; }
  # Admin sockets are unix sockets (path <= 107 bytes) named DIR/run/client.rgw.test.asok and the like.
  [ ${#dir} -le 70 ] || { echo "rgw.sh: DIR too long for admin socket paths: $dir" >&2; exit 1; }
  for p in "$rgw_port" "$mon_port"; do
    if ss -Hltn "sport = :$p" | grep -q .; then echo "rgw.sh: port $p is in use" >&2; exit 1; fi
  done
  command -v radosgw >/dev/null || { echo "rgw.sh: radosgw is not installed: run $0 install" >&2; exit 1; }

  # From here on a failure stops whatever already runs, so a broken start leaves no daemons behind.
  trap 'echo "rgw.sh: start failed at line $LINENO; logs in $dir/log" >&2; trap - ERR; cmd_stop "$dir" >&2; exit 1' ERR
  mkdir -p "$dir"/{run,log,mon/ceph-a,osd/ceph-0,rgw,tmp}
  local fsid; fsid=$(uuidgen)
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr1 = false
ms bind port min = ${OSD_PORT_MIN:-6800}
ms bind port max = ${OSD_PORT_MAX:-6899}
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
keyring = $dir/keyring
crash dir = $dir/tmp
tmp dir = $dir/tmp
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
log to stderr = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
# one OSD on one host: replicate across OSDs (read at mon --mkfs, so it must be here from the start)
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# the monitor shuts itself down below 5% free disk by default, which a busy CI disk reaches
mon data avail warn = 2
mon data avail crit = 1

[mon]
# every pool creation waits for a paxos round (1 s by default): cold start 13 s instead of 2 s without these
paxos propose interval = 0.05
paxos min wait = 0.01

[osd]
osd objectstore = memstore
memstore device bytes = ${MEMSTORE_BYTES:-2147483648}
osd op num shards = 1

[client]
# CLI tools (ceph, radosgw-admin) beside the running radosgw: no admin socket, or they clash on it
admin socket =
# in [client], not only [client.rgw.test], so that "radosgw-admin lc process" uses the same day length (no backticks: this is an unquoted heredoc)
rgw lc debug interval = ${LC_DEBUG_INTERVAL:-5}

[client.rgw.test]
admin socket = $dir/run/\$name.asok
# tcp_nodelay: without it a small response written in two pieces waits for the client's delayed ACK, and
# every ListObjectVersions takes 40 ms more (the lake's create-only put lists after each write)
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw data = $dir/rgw
# radosgw defaults to "secure" mon connections, which need cephx: without crc it hangs 300 s at start
ms mon client mode = crc
# radosgw can take 120 s to exit on SIGTERM after lifecycle work; its own alarm ends it after this
rgw exit timeout secs = 3
EOF
  local ceph=(ceph -c "$conf" --connect-timeout 15)
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/tmp/monmap" >/dev/null
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/tmp/monmap" --keyring "$dir/keyring"
  ceph-mon -c "$conf" -i a # daemonizes; pid in DIR/run/mon.a.pid
  for _ in $(seq 1 60); do "${ceph[@]}" mon stat >/dev/null 2>&1 && break; sleep 0.5; done

  local uuid; uuid=$(uuidgen)
  [ "$("${ceph[@]}" osd new "$uuid")" = 0 ] || { echo "rgw.sh: expected osd id 0" >&2; false; }
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$uuid" 2>"$dir/log/osd-mkfs.err"
  ceph-osd -c "$conf" -i 0 2>>"$dir/log/osd.0.stderr" # daemonizes; pid in DIR/run/osd.0.pid
  for _ in $(seq 1 120); do "${ceph[@]}" osd dump 2>/dev/null | grep -q '^osd.0 up' && break; sleep 0.5; done
  "${ceph[@]}" osd dump | grep -q '^osd.0 up'

  local admin=(radosgw-admin -c "$conf")
  # The user first: it creates the default zonegroup and zone, without which `placement add` fails (ENOENT).
  "${admin[@]}" user create --uid marketlake-test --display-name marketlake-test \
    --access-key "$access" --secret "$secret" >/dev/null
  # Storage classes that lifecycle transitions (and the lake's archive tiers) can target.
  for sc in GLACIER DEEP_ARCHIVE; do
    "${admin[@]}" zonegroup placement add --rgw-zonegroup default --placement-id default-placement --storage-class "$sc" >/dev/null
    "${admin[@]}" zone placement add --rgw-zone default --placement-id default-placement --storage-class "$sc" \
      --data-pool "default.rgw.$(echo "$sc" | tr 'A-Z_' 'a-z-').data" >/dev/null
  done

  radosgw -c "$conf" -n client.rgw.test # daemonizes; pid in DIR/run/client.rgw.test.pid
  local code=000
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$rgw_port/" || true)
    [ "$code" = 200 ] && break
    sleep 0.25
  done
  [ "$code" = 200 ] || { echo "rgw.sh: radosgw does not answer on 127.0.0.1:$rgw_port" >&2; false; }
  trap - ERR
  echo "rgw.sh: S3 endpoint http://127.0.0.1:$rgw_port  access key $access  secret $secret  (stop: $0 stop $dir)"
  echo "export MARKETLAKE_TEST_S3_ENDPOINT=http://127.0.0.1:$rgw_port MARKETLAKE_TEST_S3_ACCESS_KEY=$access MARKETLAKE_TEST_S3_SECRET_KEY=$secret"
}

# The S3 front end alone, for tests of a lake server that dies mid-run: the monitor and OSD keep the data.
cmd_gateway_stop() {
  local dir; dir=$(cd "$1" && pwd)
  local f=$dir/run/client.rgw.test.pid pid
  [ -f "$f" ] || { echo "rgw.sh: no radosgw pid file in $dir/run" >&2; exit 1; }
  pid=$(cat "$f")
  if grep -qaF -- "$dir/ceph.conf" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$f"
  echo "rgw.sh: radosgw $pid stopped"
}

cmd_gateway_start() {
  local dir; dir=$(cd "$1" && pwd)
  local port
  port=$(sed -n 's/.*beast endpoint=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/ceph.conf")
  radosgw -c "$dir/ceph.conf" -n client.rgw.test
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" || true)" = 200 ] && { echo "rgw.sh: radosgw answers on $port"; return 0; }
    sleep 0.25
  done
  echo "rgw.sh: radosgw does not answer on 127.0.0.1:$port" >&2
  exit 1
}

case "${1:-}" in
  install) cmd_install ;;
  gateway-stop) [ $# -eq 2 ] || usage; cmd_gateway_stop "$2" ;;
  gateway-start) [ $# -eq 2 ] || usage; cmd_gateway_start "$2" ;;
  start) [ $# -eq 2 ] || usage; cmd_start "$2" ;;
  stop) [ $# -ge 2 ] || usage; cmd_stop "$2" "${3:-}" ;;
  *) usage ;;
esac
