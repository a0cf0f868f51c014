#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use answers on 127.0.0.1:5432, starting the machine's cluster if needed.
set -euo pipefail
if pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "PostgreSQL is up on 127.0.0.1:5432"
  exit 0
fi
if ! command -v pg_ctlcluster >/dev/null; then
  echo "PostgreSQL is not installed; installing it from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version="$(ls /etc/postgresql | sort -V | tail -n 1)"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && { echo "PostgreSQL $version started"; exit 0; }
  sleep 1
done
echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
