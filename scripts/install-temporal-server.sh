#!/usr/bin/env bash
# Installs the Temporal server (`temporal-server`) and its SQL schema tool (`temporal-sql-tool`)
# into .tools/bin, once, for the container-free production stack (tools/pg-stack.ts, `make stack`).
# They are built from Go modules, the way scripts/install-temporal.sh builds the CLI: no prebuilt
# server can be downloaded on these machines. The version is the compose file's (the
# TEMPORAL_VERSION default of docker-compose.yml, the temporalio/server image tag), read from it;
# test/operate/compose.test.ts checks what `--versions` prints against the compose file.
#
# Both binaries come from one `go install` invocation (they share most packages), the schema
# files the SQL tool applies are copied from the module cache into .tools/temporal-schema/<version>.
# Order: an existing .tools/bin binary of the right version, then `go install`.
#
# --ui also builds the Temporal UI server (github.com/temporalio/ui-server/v2, the temporalio/ui
# image's program, at the compose file's TEMPORAL_UI_VERSION) into .tools/bin/temporal-ui-server
# with its config in .tools/temporal-ui/<version>/config (loopback only). `make stack` asks for it;
# `make test` does not need it.
set -euo pipefail

# In a function: bash parses all of it before running, so editing this file mid-build is safe.
main() {

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The versions are the compose file's image defaults, read from it: the two never disagree.
compose_default() { sed -n "s/.*\${$1:-\([0-9][0-9.]*\)}.*/\1/p" "$root/docker-compose.yml" | head -1; }
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-$(compose_default TEMPORAL_VERSION)}"
TEMPORAL_UI_VERSION="${TEMPORAL_UI_VERSION:-$(compose_default TEMPORAL_UI_VERSION)}"
[ -n "$TEMPORAL_SERVER_VERSION" ] || { echo "temporal-server: no TEMPORAL_VERSION default in docker-compose.yml" >&2; exit 1; }
want_ui=0
case "${1:-}" in
  --ui) want_ui=1 ;;
  # What this script builds, for test/operate/compose.test.ts.
  --versions) echo "server=$TEMPORAL_SERVER_VERSION ui=$TEMPORAL_UI_VERSION"; exit 0 ;;
  '') ;;
  *) echo "usage: $0 [--ui | --versions]" >&2; exit 2 ;;
esac
bin_dir="$root/.tools/bin"
schema_dir="$root/.tools/temporal-schema/$TEMPORAL_SERVER_VERSION"
stamp="$bin_dir/.temporal-server-version"
mkdir -p "$bin_dir"

installed() {
  [ -x "$bin_dir/temporal-server" ] && [ -x "$bin_dir/temporal-sql-tool" ] &&
    [ -d "$schema_dir/postgresql/v12/temporal/versioned" ] &&
    [ "$(cat "$stamp" 2>/dev/null)" = "$TEMPORAL_SERVER_VERSION" ]
}

ui_installed() {
  [ -x "$bin_dir/temporal-ui-server" ] && [ -f "$root/.tools/temporal-ui/$TEMPORAL_UI_VERSION/config/docker.yaml" ] &&
    [ "$(cat "$bin_dir/.temporal-ui-version" 2>/dev/null)" = "$TEMPORAL_UI_VERSION" ]
}

if installed && { [ "$want_ui" = 0 ] || ui_installed; }; then
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
temporal-server: not built yet and Go is not installed.
  Install Go >= 1.26.2 (https://go.dev/doc/install, or your OS package) so this script can build
  go.temporal.io/server@v$TEMPORAL_SERVER_VERSION from the Go module proxy.
MSG
  exit 1
fi

heartbeat() {
  start=$(date +%s)
  ( while sleep 30; do echo "$1: still building... $(( $(date +%s) - start ))s"; done ) &
  ticker=$!
}
ticker=
trap '[ -n "$ticker" ] && kill "$ticker" 2>/dev/null || true' EXIT

if ! installed; then
module="go.temporal.io/server"
echo "temporal-server: building $module/cmd/server and cmd/tools/sql @v$TEMPORAL_SERVER_VERSION with $(go env GOVERSION)"
echo "temporal-server: the first build compiles a large dependency tree (many minutes on 2 cores); later ones reuse Go's build cache"
heartbeat temporal-server

tmp_bin="$(mktemp -d)"
# GOTOOLCHAIN=local: never download a newer Go; v1.31.0 needs go >= 1.26.2.
if ! GOTOOLCHAIN=local GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
  go install "$module/cmd/server@v$TEMPORAL_SERVER_VERSION" "$module/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION"; then
  rm -rf "$tmp_bin"
  cat >&2 <<MSG
temporal-server: building $module@v$TEMPORAL_SERVER_VERSION failed (see above).
  It needs Go >= 1.26.2 and the Go module proxy (go env GOPROXY).
MSG
  exit 1
fi
mv -f "$tmp_bin/server" "$bin_dir/temporal-server"
mv -f "$tmp_bin/sql" "$bin_dir/temporal-sql-tool"
rm -rf "$tmp_bin"

# The schema files ship in the module, not in the binaries: copy them next to the binaries
# (the admin-tools image has them at /etc/temporal/schema; setup-schema.sh reads SCHEMA_ROOT).
mod_dir="$(GOTOOLCHAIN=local go env GOMODCACHE)/$module@v$TEMPORAL_SERVER_VERSION"
rm -rf "$schema_dir"
mkdir -p "$schema_dir"
cp -R "$mod_dir/schema/postgresql" "$schema_dir/"
chmod -R u+w "$schema_dir"
echo "$TEMPORAL_SERVER_VERSION" >"$stamp"
echo "temporal-server: built v$TEMPORAL_SERVER_VERSION in $(( $(date +%s) - start ))s -> $bin_dir/temporal-server, $bin_dir/temporal-sql-tool"
kill "$ticker" 2>/dev/null || true
fi

if [ "$want_ui" = 1 ] && ! ui_installed; then
  ui_module="github.com/temporalio/ui-server/v2"
  echo "temporal-ui: building $ui_module/cmd/server@v$TEMPORAL_UI_VERSION (the temporalio/ui image's server)"
  heartbeat temporal-ui
  tmp_bin="$(mktemp -d)"
  if ! GOTOOLCHAIN=local GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
    go install "$ui_module/cmd/server@v$TEMPORAL_UI_VERSION"; then
    rm -rf "$tmp_bin"
    echo "temporal-ui: building $ui_module@v$TEMPORAL_UI_VERSION failed (see above)" >&2
    exit 1
  fi
  mv -f "$tmp_bin/server" "$bin_dir/temporal-ui-server"
  rm -rf "$tmp_bin"
  ui_cfg="$root/.tools/temporal-ui/$TEMPORAL_UI_VERSION/config"
  rm -rf "$ui_cfg"
  mkdir -p "$ui_cfg"
  # docker.yaml: the image's own template (TEMPORAL_ADDRESS, TEMPORAL_UI_PORT, ...). It sets no
  # bind address (all interfaces); base.yaml, loaded first, binds loopback only.
  cp "$(GOTOOLCHAIN=local go env GOMODCACHE)/$ui_module@v$TEMPORAL_UI_VERSION/config/docker.yaml" "$ui_cfg/docker.yaml"
  chmod u+w "$ui_cfg/docker.yaml"
  printf 'host: 127.0.0.1\n' >"$ui_cfg/base.yaml"
  echo "$TEMPORAL_UI_VERSION" >"$bin_dir/.temporal-ui-version"
  kill "$ticker" 2>/dev/null || true
  echo "temporal-ui: built v$TEMPORAL_UI_VERSION in $(( $(date +%s) - start ))s -> $bin_dir/temporal-ui-server"
fi
}

main "$@"
