# Postclear: `make run` serves the portal, `make test` runs every check.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

export PATH := $(HOME)/.cargo/bin:$(PATH)
# Read at compile time by Leptos: every cargo command sets the same value, so
# nothing is built twice (cargo-leptos sets it too).
export LEPTOS_OUTPUT_NAME := postclear
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR

CARGO_LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3 }' Cargo.lock)
SITE_ROOT := $(CURDIR)/target/site
E2E_PORT ?= 3100
LOGS := $(CURDIR)/target/test-logs

.PHONY: run test bench bench-bundle tools vendor browser-tools patches fmt-check clippy unit e2e build-e2e clean-db demo-code help

help:
	@echo "make run   - install what is missing, build, and serve http://127.0.0.1:3000 with demo data"
	@echo "make test  - formatting, clippy, unit + integration tests (SQLite and PostgreSQL), browser tests"

## Toolchain pieces the build needs; each is installed only when missing.
tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)"; then \
		echo "installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 16 minutes, once)"; \
		cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --features no_downloads; \
	fi
	@if ! wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$"; then \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (the version in Cargo.lock)"; \
		cargo install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION) --locked \
			|| cargo install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION); \
	fi

## Browser assets the portal serves itself (the API reference UI), from npm.
vendor:
	@cd vendor && if [ ! -d node_modules/swagger-ui-dist ]; then npm ci --no-audit --no-fund; fi

## Chromium from Debian and the npm packages of the browser tests (never a downloaded browser).
browser-tools:
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y chromium chromium-driver; }
	@cd end2end && if [ ! -d node_modules/@playwright/test ] || [ ! -d node_modules/@axe-core/playwright ]; then \
		PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund; fi

# A release build's precompressed files would be served in place of this build's.
run: tools vendor
	rm -f $(SITE_ROOT)/pkg/*.br $(SITE_ROOT)/pkg/*.gz
	cargo leptos build
	APP_ENV=$${APP_ENV:-development} LEPTOS_SITE_ROOT=$(SITE_ROOT) $(CARGO_TARGET_DIR)/debug/server

test: tools vendor browser-tools patches fmt-check clippy unit e2e
	@unit=$$(grep -oE '[0-9]+ passed; [0-9]+ failed' $(LOGS)/unit.log | awk '{p+=$$1; f+=$$3} END {print p" "f}'); \
	e2e=$$(node -e 'const s=require("$(LOGS)/e2e.json").stats; console.log(s.expected+s.flaky, s.unexpected, s.flaky)'); \
	set -- $$unit $$e2e; \
	echo "Rust tests: $$1 passed, $$2 failed; browser tests: $$3 passed ($$5 of them flaky: failed once, then passed), $$4 failed"; \
	echo "summary: $$(($$1 + $$3)) passed, $$(($$2 + $$4)) failed"

## The patched leptos_i18n is the published 0.6.2 plus patches/leptos_i18n.diff, nothing else.
patches:
	patches/check

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy -p app -p server --all-targets -- -D warnings
	cargo clippy -p app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

## Unit and integration tests, on SQLite and on PostgreSQL (TEST_POSTGRES_URL,
## default postgres://postgres@127.0.0.1:5432/postgres). Outside CI an
## unreachable PostgreSQL is reported as skipped; with CI=true it fails.
unit:
	@if [ "$${CI:-}" != "true" ] && ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then \
		echo "SKIPPED: PostgreSQL is not reachable on 127.0.0.1:5432: its tests are skipped (SQLite tests run)"; fi
	@mkdir -p $(LOGS)
	cargo test -p app -p server 2>&1 | tee $(LOGS)/unit.log

## The server binary of the test build serves the wasm bundle of the same profile.
build-e2e:
	cargo test -p app -p server --no-run
	rm -f $(SITE_ROOT)/pkg/*.br $(SITE_ROOT)/pkg/*.gz
	cargo leptos build --frontend-only

e2e: build-e2e
	@mkdir -p $(LOGS)
	cd end2end && SERVER_BIN=$(CARGO_TARGET_DIR)/debug/server SITE_ROOT=$(SITE_ROOT) E2E_PORT=$(E2E_PORT) \
		PLAYWRIGHT_JSON_OUTPUT_NAME=$(LOGS)/e2e.json npx playwright test --reporter=list,json

## The benchmarks (release-like bench profile): the clearance engine (parcels/s on one
## thread), then API ingest (parcels/s beside its baseline), then the browser bundle.
bench: tools vendor browser-tools
	cargo bench -p server --bench engine
	cargo bench -p server --bench ingest
	$(MAKE) bench-bundle

## The release build (wasm-opt from npm's binaryen, files precompressed), then the
## first-load bytes of every page and Lighthouse on the public pages.
bench-bundle: tools vendor browser-tools
	PATH=$(CURDIR)/end2end/node_modules/.bin:$$PATH cargo leptos build --release --precompress
	cd end2end && SERVER_BIN=$(CARGO_TARGET_DIR)/release/server SITE_ROOT=$(SITE_ROOT) node bench/bundle.mjs

clean-db:
	rm -f data/postclear.db data/postclear.db-wal data/postclear.db-shm
	rm -rf data/outbox

## The current sign-in code of the demo staff accounts (their shared authenticator key).
demo-code:
	@test -x $(CARGO_TARGET_DIR)/debug/server || cargo leptos build
	@$(CARGO_TARGET_DIR)/debug/server demo-code
