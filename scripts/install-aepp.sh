#!/usr/bin/env bash
# Installs Adobe's Python wrapper aepp into a venv at .tools/aepp, once, for the test that runs the
# real client against the emulator (test/emulator/aepp.test.ts). Run by `make test` (and by that
# test itself when the venv is missing). Needs python3 (>= 3.10, with venv) and PyPI.
#
# aepp's declared dependencies (pandas, matplotlib, pygraphviz, datamodel-code-generator, …) are
# not installed: the modules the test uses (aepp, aepp.config, aepp.configs, aepp.connector,
# aepp.flowservice) import only requests and deprecation. Every package is pinned and installed
# with --no-deps, so nothing else is resolved. A pin change reinstalls (the stamp holds the pins).
# Fails (exit 1, with the reason) when it cannot install: the test must not pass without aepp.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/aepp"
stamp="$venv/.pins"
python="${PYTHON:-python3}"

pins=(
  aepp==0.6.0
  requests==2.34.2
  urllib3==2.8.0
  idna==3.21
  charset-normalizer==3.5.3
  certifi==2026.10.19.post1
  deprecation==2.1.0
  packaging==26.4
)
want="${pins[*]}"

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
  "$venv/bin/python" -c 'import aepp.flowservice' >/dev/null 2>&1; then
  exit 0
fi

fail() {
  echo "aepp: $1" >&2
  echo "aepp: test/emulator/aepp.test.ts needs it and will fail; fix the cause and run: bash scripts/install-aepp.sh" >&2
  exit 1
}

command -v "$python" >/dev/null 2>&1 || fail "$python not found (Python >= 3.10 with venv is needed)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  fail "$("$python" --version 2>&1) is too old; aepp 0.6.0 needs Python >= 3.10"

start=$(date +%s)
echo "aepp: installing ${pins[0]} and its HTTP dependencies into .tools/aepp"
rm -rf "$venv"
"$python" -m venv "$venv" || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps \
  "${pins[@]}"; then
  rm -rf "$venv"
  fail "pip could not install ${pins[*]} (is PyPI reachable?)"
fi
"$venv/bin/python" -c 'import aepp.flowservice' || {
  rm -rf "$venv"
  fail "installed, but 'import aepp.flowservice' fails"
}
echo "$want" >"$stamp"
echo "aepp: installed in $(($(date +%s) - start))s"
