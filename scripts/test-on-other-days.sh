#!/usr/bin/env bash
# Runs the date-sensitive test suites again with the clock moved to days that break date arithmetic: a Saturday
# (no session anywhere), New Year's Day (a year boundary, and still December 31 in New York), and February 29
# of a leap year. libfaketime (Debian's `faketime`) shifts the clock of every process the run starts by one
# fixed offset, so processes, child CLIs and PGlite workers agree on the time; file times shift with it. The
# PostgreSQL and S3 servers keep the real clock: the AWS SDK corrects the request-signing skew itself.
#
#   scripts/test-on-other-days.sh              the days below
#   scripts/test-on-other-days.sh 'YYYY-MM-DD HH:MM:SS' ...   other days (UTC)
set -euo pipefail
cd "$(dirname "$0")/.."

lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
if [ ! -f "$lib" ]; then
  echo "test-on-other-days: $lib is missing: apt-get install -y faketime" >&2
  exit 1
fi

days=("$@")
if [ ${#days[@]} -eq 0 ]; then
  days=(
    '2026-11-28 15:30:00' # a Saturday
    '2027-01-01 03:00:00' # New Year's Day in UTC and Asia; 22:00 on New Year's Eve in New York
    '2028-02-29 21:30:00' # a leap day, after the US close
  )
fi

# The suites that run the daily job, the CLI or a source on data that ends "today". Left out (they run in
# `npm test`, to keep CI within its time): the slow ones whose subject is not the calendar: clock pinned or
# injected (shards, concurrent runs, warehouse rebuild, the incremental days, the compressed lake, lake reads
# against database reads, SQL over the lake's tables, quality check over the lake), damaged objects (on the real
# day; their subject is a file's bytes, not its date), input (the argument fuzzer, the secrets canary), processes
# and signals (crash healing), the lake's identity, which modules a command loads.
suites=(test/cli test/pipeline test/reprocess test/staleness test/audit/cli.test.ts test/as-known-at/as-known-at.test.ts src/sources src/market)
excluded=(
  test/cli/arguments.property.test.ts
  test/cli/secrets.test.ts
  test/pipeline/shards.test.ts
  test/pipeline/concurrent-runs.test.ts
  test/pipeline/crash-healing.test.ts
  test/cli/lake-identity.test.ts
  test/cli/lake-reads.test.ts
  test/cli/lazy-loading.test.ts
  test/pipeline/incremental-days.test.ts
  test/pipeline/compressed-lake.test.ts
  test/pipeline/compressed-outbox.test.ts
  test/cli/sql.test.ts
  test/cli/quality-check.test.ts
)
# Run on the first day only (the Saturday): suites whose dates come from "today" but that do no calendar arithmetic
# of their own beyond what the suites above do on every day (verify's date partitions, as-known-at's instants, the
# argument checks), to keep CI within its time.
first_day_only=(
  test/audit/cli.test.ts
  test/as-known-at/as-known-at.test.ts
  test/cli/bad-arguments.test.ts
)
exclude_flags=()
for file in "${excluded[@]}"; do exclude_flags+=(--exclude "$file"); done

first=1
for day in "${days[@]}"; do
  day_flags=("${exclude_flags[@]}")
  if [ "$first" -eq 0 ]; then
    for file in "${first_day_only[@]}"; do day_flags+=(--exclude "$file"); done
  fi
  first=0
  target=$(date -u -d "$day" +%s)
  offset=$((target - $(date -u +%s)))
  printf '\n==> the date-sensitive suites on %s UTC (clock offset %+d s)\n' "$day" "$offset"
  # Monotonic clocks stay real: timers and timeouts keep their lengths.
  LD_PRELOAD="$lib" FAKETIME="$(printf '%+d' "$offset")" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    bash scripts/vitest-rerun-lost.sh npx vitest run "${day_flags[@]}" "${suites[@]}"
done
