#!/usr/bin/env bash
# Runs a test command (npm test, npx vitest run ...) and, when it fails ONLY because Vitest lost test files to a
# worker process that died (every test that reported passed; test/support/lost-files-reporter.ts names the
# files), runs those files once more and takes that run's verdict. Vitest 4's forks pool loses a file now and
# then this way, with no cause it can show (the worker's exit code and signal are dropped); a file that kills its
# worker every time fails again here. Any other failure (a test, a hook, an import, an unhandled error that is not
# a dead worker's), or a failure with no lost file, fails as it is.
#   usage: scripts/vitest-rerun-lost.sh COMMAND [ARGS...]
set -uo pipefail
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
VITEST_LOST_FILES="$report" "$@"
status=$?
if [ "$status" -eq 0 ]; then exit 0; fi
if [ ! -s "$report" ]; then exit "$status"; fi
mapfile -t lost < <(node -e '
  const { lost, failedTests, failedFiles, otherErrors } = JSON.parse(
    require("node:fs").readFileSync(process.argv[1], "utf8"),
  );
  if (failedTests === 0 && failedFiles === 0 && otherErrors === 0) for (const file of lost) console.log(file);
' "$report")
if [ "${#lost[@]}" -eq 0 ]; then exit "$status"; fi
printf '\n==> a Vitest worker died and %d file(s) never reported; running them once more: %s\n' \
  "${#lost[@]}" "${lost[*]}" >&2
npx vitest run "${lost[@]}"
