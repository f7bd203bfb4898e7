#!/usr/bin/env bash
# Installs the Temporal CLI (dev server with SQLite persistence and the Web UI) into .tools/bin,
# once. Nothing is downloaded but Go modules: no prebuilt server can be fetched on these machines.
# Order: TEMPORAL_CLI_PATH, then an existing .tools/bin/temporal, then a `temporal` on PATH, then
# `go install` of the newest release that `go install module@version` accepts (v1.5.1; later
# releases carry `replace` directives), falling back to earlier releases without them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$root/.tools/bin"
target="$bin_dir/temporal"
mkdir -p "$bin_dir"

works() { [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  if works "$TEMPORAL_CLI_PATH"; then
    ln -sf "$(readlink -f "$TEMPORAL_CLI_PATH")" "$target"
    echo "temporal: using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH"
    exit 0
  fi
  echo "temporal: TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not a working temporal binary" >&2
  exit 1
fi

if works "$target"; then
  exit 0
fi

if on_path="$(command -v temporal 2>/dev/null)" && works "$on_path"; then
  ln -sf "$(readlink -f "$on_path")" "$target"
  echo "temporal: using $on_path from PATH"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
temporal: no Temporal CLI found and Go is not installed.
  Either install Go >= 1.25 (https://go.dev/doc/install, or your OS package) so this script can
  build the CLI from the Go module proxy, or point TEMPORAL_CLI_PATH at an existing temporal binary,
  or put one on PATH.
MSG
  exit 1
fi

go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if [ "${go_minor:-0}" -lt 25 ] 2>/dev/null; then
  echo "temporal: Go $(go env GOVERSION) is too old to build the Temporal CLI; Go >= 1.25 is needed." >&2
  exit 1
fi

for version in v1.5.1 v1.5.0 v1.4.1; do
  echo "temporal: building github.com/temporalio/cli/cmd/temporal@$version with $(go env GOVERSION)"
  echo "temporal: the first build compiles a large dependency tree (several minutes on 2 cores); later ones reuse Go's build cache"
  start=$(date +%s)
  # A heartbeat so a long, quiet compile is visibly alive.
  ( while sleep 20; do echo "temporal: still building... $(( $(date +%s) - start ))s"; done ) &
  ticker=$!
  if GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "github.com/temporalio/cli/cmd/temporal@$version"; then
    kill "$ticker" 2>/dev/null || true
    echo "temporal: built $version in $(( $(date +%s) - start ))s -> $target"
    works "$target" && exit 0
  fi
  kill "$ticker" 2>/dev/null || true
  echo "temporal: building $version failed; trying an earlier release" >&2
done

cat >&2 <<MSG
temporal: could not build the Temporal CLI from the Go module proxy (tried v1.5.1, v1.5.0, v1.4.1).
  Check that the Go module proxy is reachable (go env GOPROXY), or set TEMPORAL_CLI_PATH to a binary.
MSG
exit 1
