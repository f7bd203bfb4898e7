# Two commands on a fresh clone: `make demo` and `make test`. Both install what is missing:
# npm dependencies (again only when package-lock.json changed), the Temporal CLI
# (built once from Go modules into .tools/bin, see scripts/install-temporal.sh) and Debian's
# chromium for the Temporal UI test (scripts/install-chromium.sh; never fails the build).
SHELL := /bin/bash
.DEFAULT_GOAL := help
DEPS_STAMP := node_modules/.deps-installed

.PHONY: help install node temporal chromium demo test lint typecheck unit build emulator worker clean

help:
	@echo "make demo   - dev server + AEP emulator + worker, provision an example source, print its inlet URL"
	@echo "make test   - lint, typecheck and every test on a real Temporal dev server"
	@echo "make build  - compile to dist/"

node:
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js >= 20.19 is required, found "+process.version); process.exit(1) }'

$(DEPS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

temporal:
	@bash scripts/install-temporal.sh

# Optional: without it (not root, no apt) the UI test is skipped with a message.
chromium:
	@bash scripts/install-chromium.sh || true

install: node $(DEPS_STAMP) temporal chromium

demo: install
	npx tsx scripts/demo.ts

lint: $(DEPS_STAMP)
	npx eslint .
	npx prettier --check .

typecheck: $(DEPS_STAMP)
	npx tsc -p tsconfig.json --noEmit

unit: install
	npx jest --ci

test: install lint typecheck unit

build: $(DEPS_STAMP)
	npx tsc -p tsconfig.build.json

clean:
	rm -rf dist .data artifacts
