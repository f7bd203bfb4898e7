#!/bin/sh
# One-shot job of the compose stack (temporalio/admin-tools image): waits for the Temporal
# frontend, creates the namespace when missing and registers this project's custom search
# attributes (NAME=Type arguments, e.g. AepSourceName=Keyword), then exits 0. Idempotent.
#   TEMPORAL_ADDRESS    frontend host:port (default temporal:7233)
#   TEMPORAL_NAMESPACE  namespace of the worker and clients (default default)
#   NAMESPACE_RETENTION retention of closed workflows when the namespace is created (default 30d)
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${NAMESPACE_RETENTION:=30d}"
: "${SETUP_ATTEMPTS:=60}"
export TEMPORAL_ADDRESS

[ "$#" -gt 0 ] || {
  echo "usage: $0 NAME=Type..." >&2
  exit 2
}

# Retries a command (the frontend and a new namespace take a few seconds to become usable).
retry() {
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge "$SETUP_ATTEMPTS" ]; then
      echo "giving up after $n attempts: $*" >&2
      return 1
    fi
    sleep 2
  done
}

echo "waiting for the Temporal frontend at $TEMPORAL_ADDRESS"
retry temporal operator cluster health >/dev/null 2>&1

if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE exists"
else
  retry temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" \
    --retention "$NAMESPACE_RETENTION"
  echo "namespace $TEMPORAL_NAMESPACE created"
fi

registered() {
  temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" 2>/dev/null |
    grep -qw "$1"
}

for definition in "$@"; do
  name=${definition%%=*}
  type=${definition#*=}
  if registered "$name"; then
    echo "search attribute $name exists"
    continue
  fi
  retry temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" \
    --name "$name" --type "$type"
  retry registered "$name"
  echo "search attribute $name ($type) registered"
done
