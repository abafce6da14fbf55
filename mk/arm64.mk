# arm64, the architecture the Lambda runs on (docs/arm64.md). The Rust tests are built for
# aarch64-unknown-linux-gnu and run under user-mode emulation (qemu-aarch64), clippy checks the
# aarch64 code paths, and the `bootstrap` that `make lambda` ships answers every events/ file
# under emulation exactly as the x86-64 `accesslog transform` does.
#
# Cargo and nextest start aarch64 test binaries through CARGO_TARGET_..._RUNNER; the tests that
# start the crate's binaries honour the same variable (tests/runner/mod.rs), so no binfmt
# handler is registered on the host.
#
# They are built without the default `s3` feature, as the Lambda is (`make lambda`): what runs on
# arm64 in production is the Lambda, which never talks to S3; replay's S3 code is x86-64 CLI code,
# tested by `make test-s3`.
AARCH64 := aarch64-unknown-linux-gnu
AARCH64_SYSROOT := /usr/aarch64-linux-gnu
AARCH64_RUNNER := qemu-aarch64 -L $(AARCH64_SYSROOT)
# Property tests run this many cases each under emulation instead of their hundreds to
# thousands (tests/common and src/lib.rs read PROPTEST_CASES as a cap).
ARM64_PROPTEST_CASES ?= 64
AARCH64_ENV := CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="$(AARCH64_RUNNER)"
# Debian packages that provide the emulator, the cross linker and the aarch64 C library.
ARM64_APT := qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross

TEST_TARGETS += test-arm64

.PHONY: arm64-tools test-arm64 test-arm64-rust test-arm64-bootstrap

arm64-tools: ## qemu-user, the aarch64 cross linker and C library (apt-get), the Rust aarch64 target
	@missing=""; \
	command -v qemu-aarch64 >/dev/null || missing="$$missing qemu-user"; \
	command -v aarch64-linux-gnu-gcc >/dev/null || missing="$$missing gcc-aarch64-linux-gnu"; \
	test -e $(AARCH64_SYSROOT)/lib/libc.so.6 -a -e $(AARCH64_SYSROOT)/include/stdio.h || missing="$$missing libc6-dev-arm64-cross"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "arm64: missing$$missing; install them with: sudo apt-get install -y$$missing" >&2; exit 1; \
		fi; \
		echo "arm64: installing$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null 2>&1 \
			|| { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi
	rustup target list --installed | grep -q '^$(AARCH64)$$' || rustup target add $(AARCH64)

test-arm64: test-arm64-rust test-arm64-bootstrap ## the Rust tests and clippy for aarch64 under qemu; the shipped bootstrap against the CLI

test-arm64-rust: arm64-tools ## clippy for aarch64 (warnings denied), every Rust test built for aarch64 and run under qemu
	$(AARCH64_ENV) $(CARGO) clippy --target $(AARCH64) --all-targets --no-default-features -- -D warnings
	$(AARCH64_ENV) PROPTEST_CASES=$(ARM64_PROPTEST_CASES) $(CARGO) nextest run --target $(AARCH64) --no-default-features --no-fail-fast

# The shipped artifact: `make lambda`'s zip, its bootstrap run under qemu by the ignored test in
# tests/cli.rs (ignored in plain `cargo nextest run`, which has no zip to read).
test-arm64-bootstrap: arm64-tools lambda ## the bootstrap inside bootstrap.zip, under qemu, answers every events/ file like `accesslog transform`
	$(AARCH64_ENV) $(CARGO) nextest run --test cli --run-ignored only -E 'test(the_shipped_arm64_bootstrap)'
