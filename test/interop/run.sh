#!/usr/bin/env bash
# `npm run test:interop`: builds the real Go `maestro` binary at the version go.mod pins, then runs
# the Go interop tests, which start maestro-bun's server and agent (with the repository's Bun)
# and the real Maestro server on free loopback ports and stop them at the end.
#
# Needs: Go (1.25 or newer) on PATH, `npm ci` done, PostgreSQL reachable for the real Maestro
# server (INTEROP_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres).
# The first run downloads the Go modules and builds Maestro (several minutes); later runs reuse
# Go's caches. Extra arguments go to `go test` (e.g. `npm run test:interop -- -run TestDifferential`).
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v go >/dev/null 2>&1; then
  echo "test:interop: Go is not on PATH; install Go 1.25+ to run the interop tests (https://go.dev/dl/)" >&2
  exit 2
fi
if [ ! -x ../../node_modules/.bin/bun ]; then
  echo "test:interop: ../../node_modules/.bin/bun is missing; run \`npm ci\` in the repository first" >&2
  exit 2
fi

echo "== building the real maestro ($(go list -m -f '{{.Path}} {{.Version}}' github.com/openshift-online/maestro))"
start=$(date +%s)
go build -o .bin/maestro github.com/openshift-online/maestro/cmd/maestro || { echo "test:interop: building maestro failed" >&2; exit 1; }
echo "== built in $(( $(date +%s) - start ))s"

export MAESTRO_BIN="$PWD/.bin/maestro"
export INTEROP_LOG_DIR="${INTEROP_LOG_DIR:-$(mktemp -d -t maestro-interop-logs-XXXXXX)}"
echo "== go test (process logs in $INTEROP_LOG_DIR)"
exec go test -count=1 -v -timeout 20m "$@" .
