# Two commands on a fresh clone: `make demo` and `make test`. Both install what is missing:
# npm dependencies (again only when package-lock.json changed), the Temporal CLI
# (built once from Go modules into .tools/bin, see scripts/install-temporal.sh) and Debian's
# chromium for the Temporal UI test (scripts/install-chromium.sh; never fails the build), and for
# the container-free production stack (docs/production-shape.md) Debian's PostgreSQL
# (scripts/install-postgres.sh) and the Temporal server + SQL tool built from Go modules
# (scripts/install-temporal-server.sh; `make stack` also builds the UI server). `make test` also
# installs Adobe's Python wrapper aepp into a venv at .tools/aepp (scripts/install-aepp.sh, from
# PyPI) for the test that runs it against the emulator.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Node.js 24 (scripts/install-node.sh) comes first for every recipe; npm and npx run under it.
export PATH := $(CURDIR)/.tools/node/bin:$(PATH)
DEPS_STAMP := node_modules/.deps-installed

.PHONY: help install node temporal chromium postgres temporal-server temporal-ui aepp stack-install demo stack test lint typecheck unit build bundle emulator worker clean

help:
	@echo "make demo   - dev server + AEP emulator + worker, provision an example source, print its inlet URL"
	@echo "make test   - lint, typecheck and every test on a real Temporal dev server"
	@echo "make stack  - the production shape without containers: PostgreSQL, Temporal server (4 shards), UI, worker"
	@echo "make build  - compile to dist/"

node:
	@bash scripts/install-node.sh
	@node -e 'if (Number(process.versions.node.split(".")[0]) < 24) { console.error("Node.js >= 24 is required, found "+process.version); process.exit(1) }'

$(DEPS_STAMP): package.json package-lock.json | node
	npm ci --no-audit --no-fund
	@touch $@

temporal:
	@bash scripts/install-temporal.sh

# Optional: without it (not root, no apt) the UI test is skipped with a message.
chromium:
	@bash scripts/install-chromium.sh || true

postgres:
	@bash scripts/install-postgres.sh

temporal-server:
	@bash scripts/install-temporal-server.sh

temporal-ui:
	@bash scripts/install-temporal-server.sh --ui

# Fails without PyPI: test/emulator/aepp.test.ts cannot pass without aepp.
aepp:
	@bash scripts/install-aepp.sh

install: node $(DEPS_STAMP) temporal chromium

# What the container-free stack needs beyond `install` (make demo does not need it).
stack-install: install postgres temporal-server

demo: install
	npx tsx scripts/demo.ts

lint: $(DEPS_STAMP)
	npx eslint .
	npx prettier --check .

typecheck: $(DEPS_STAMP)
	npx tsc -p tsconfig.json --noEmit

unit: stack-install aepp
	npx jest --ci

test: stack-install lint typecheck unit

build: $(DEPS_STAMP)
	npx tsc -p tsconfig.build.json

# The Docker image's two build steps: dist/ and the prebuilt workflow bundle.
bundle: build
	npm run build:workflow-bundle -- --out dist/workflow-bundle.js

# Ctrl-C stops it. Options: make stack ARGS='--once' (provision an example, stop), ARGS='--keep'.
stack: stack-install temporal-ui bundle
	npx tsx tools/stack-main.ts $(ARGS)

clean:
	rm -rf dist .data artifacts
