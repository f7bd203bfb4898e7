#!/usr/bin/env bash
# Node.js 24 LTS for every command of this repository, once, into .tools/node (the Makefile puts
# .tools/node/bin first on PATH). Node 20 reached end of life on 2026-04-30. Nothing is downloaded
# but an npm package: the registry ships Node itself as `node-linux-<arch>`.
# Order: a `node` >= 24 already first on PATH, then .tools/node, then `npm pack` of NODE_VERSION.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/node"
version="${NODE_VERSION:-24.22.3}"
wanted_major="${version%%.*}"

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$dir/bin/node" ] && [ "$(major "$dir/bin/node")" -ge "$wanted_major" ]; then
  exit 0
fi
if command -v node >/dev/null 2>&1 && [ "$(major node)" -ge "$wanted_major" ]; then
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *)
    echo "node: no Node.js ${wanted_major} package for $(uname -m); install Node.js >= ${wanted_major} yourself" >&2
    exit 1
    ;;
esac

if ! command -v npm >/dev/null 2>&1; then
  echo "node: npm is needed to fetch Node.js ${version} (node-linux-${arch} from the npm registry)" >&2
  exit 1
fi

echo "node: installing Node.js ${version} (npm package node-linux-${arch}) into .tools/node"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "node-linux-${arch}@${version}" --silent >/dev/null)
tar -xzf "$tmp"/node-linux-"${arch}"-*.tgz -C "$tmp" package/bin/node
mkdir -p "$dir/bin"
mv "$tmp/package/bin/node" "$dir/bin/node"
"$dir/bin/node" --version
