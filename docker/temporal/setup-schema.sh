#!/bin/sh
# One-shot job of the compose stack (temporalio/admin-tools image): creates Temporal's two
# PostgreSQL databases and brings their schemas to this image's version, then exits 0.
# Safe to run on every `docker compose up`: `create` of an existing database is reported and
# skipped, `setup-schema -v 0.0` leaves a newer schema alone, and `update-schema` applies only the
# versions above the current one (this is also how a Temporal upgrade migrates the schema).
# Password: SQL_PASSWORD from the environment (never on the command line).
set -eu

: "${POSTGRES_SEEDS:=postgresql}"
: "${DB_PORT:=5432}"
: "${POSTGRES_USER:=temporal}"
: "${SQL_PASSWORD:?SQL_PASSWORD (the PostgreSQL password) is required}"
export SQL_PASSWORD
SCHEMA_ROOT=${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=${pair#*:}
  if sql --db "$db" create >/dev/null 2>&1; then
    echo "database $db created"
  else
    echo "database $db not created (it exists, or the next step says why)"
  fi
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$SCHEMA_ROOT/$dir/versioned"
  echo "database $db: schema up to date"
done
