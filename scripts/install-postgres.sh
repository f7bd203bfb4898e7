#!/usr/bin/env bash
# Installs PostgreSQL's server from Debian's packages when it is missing, for the container-free
# production stack (tools/pg-stack.ts, `make stack`). The package also creates the `postgres`
# user, which the stack's throwaway cluster runs as (PostgreSQL's server refuses to run as root).
# Nothing is started here: the stack runs its own cluster in .data/pg-stack/ on a loopback port;
# Debian's default cluster (if the package created one) is not used.
set -euo pipefail

have_server() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

if [ -n "${PG_BINDIR:-}" ]; then
  [ -x "$PG_BINDIR/postgres" ] && [ -x "$PG_BINDIR/initdb" ] && exit 0
  echo "postgres: PG_BINDIR=$PG_BINDIR holds no postgres/initdb" >&2
  exit 1
fi

if have_server && { [ "$(id -u)" -ne 0 ] || id -u postgres >/dev/null 2>&1; }; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
postgres: PostgreSQL's server is not installed and this script can only install it as root with
  apt-get. Install Debian's (or your OS's) postgresql package, or set PG_BINDIR to the folder
  holding postgres, initdb, pg_isready and psql.
MSG
  exit 1
fi

echo "postgres: installing Debian's postgresql package"
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
# The package's post-install would create and start a default cluster on port 5432: not wanted
# (the stack runs its own cluster), so policy-rc.d keeps services from starting and
# create_main_cluster is switched off for the install.
mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/aep-no-main-cluster.conf
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
have_server || { echo "postgres: the postgresql package installed no server" >&2; exit 1; }
echo "postgres: installed $(ls /usr/lib/postgresql) in $(( $(date +%s) - start ))s"
