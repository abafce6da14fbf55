# accesslog: the two commands a user needs are `make test` and `make demo` (see README.md).
# Each area of the repository adds its own test target from mk/<area>.mk, so the root file stays
# small and every area owns its virtualenv under .venv/<name>.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV_ROOT := .venv
CARGO ?= cargo
ACCESSLOG := target/debug/accesslog

# Areas append to this list.
TEST_TARGETS := test-rust

include $(sort $(wildcard mk/*.mk))

.PHONY: help test test-rust build lambda bench fmt clippy

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

test: $(TEST_TARGETS) ## everything CI checks: formatting, lints, Rust tests and every area's tests
	@echo "make test: all of $(TEST_TARGETS) passed"

# `--tests` too: the binaries then get the same dependency features as `cargo nextest`'s build,
# so after `test-rust` this reuses its artifacts instead of recompiling ~5 minutes of crates.
build: ## debug build of the library, the CLI and the Lambda binary
	$(CARGO) build --bins --tests

$(ACCESSLOG): build

test-rust: ## rustfmt check, clippy with warnings denied, all Rust tests
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) nextest run --no-fail-fast
	$(CARGO) test --doc

fmt: ## format the Rust code
	$(CARGO) fmt --all

LAMBDA_VENV := $(VENV_ROOT)/lambda
$(LAMBDA_VENV)/.ok: requirements/lambda.txt
	$(PYTHON) -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/pip install -q -r requirements/lambda.txt
	touch $@

lambda: $(LAMBDA_VENV)/.ok ## arm64 Lambda zip: target/lambda/accesslog-transform/bootstrap.zip
	rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$$' || rustup target add aarch64-unknown-linux-gnu
	PATH="$(CURDIR)/$(LAMBDA_VENV)/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip --no-default-features --bin accesslog-transform
	@ls -l target/lambda/accesslog-transform/bootstrap.zip

bench: $(ATHENA_VENV)/.ok ## criterion benchmarks, the side-by-side ratio script, the invocation under a loopback Runtime API
	$(CARGO) bench --bench parse --bench transform
	scripts/bench-compare
	scripts/bench-invoke
