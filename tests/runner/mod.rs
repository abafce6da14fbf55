//! Starting the crate's binaries the way cargo starts the tests themselves.
//!
//! When the tests are built for another architecture (aarch64, the Lambda's, on an x86-64
//! machine), cargo and nextest run each test binary through the target's runner,
//! `CARGO_TARGET_<TRIPLE>_RUNNER` (`qemu-aarch64 -L /usr/aarch64-linux-gnu`, see mk/arm64.mk).
//! The binaries those tests start are built for the same architecture, so they are started
//! through the same runner: no binfmt handler is needed on the host.

use std::ffi::OsStr;
use std::process::Command;

/// The runner variable of the target these tests were built for.
pub const RUNNER_VAR: &str = if cfg!(target_arch = "aarch64") {
    "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER"
} else {
    "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER"
};

/// The runner variable for aarch64 Linux binaries, such as the Lambda's `bootstrap`.
#[allow(dead_code)] // only tests/cli.rs runs the bootstrap
pub const AARCH64_RUNNER_VAR: &str = "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER";

/// A command that runs `program` (built for this test's target) through its runner, if any.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    through(RUNNER_VAR, program)
}

/// A command that runs `program` through the runner that `var` names (space-separated, as
/// cargo reads it), or directly when `var` is unset or empty.
pub fn through(var: &str, program: impl AsRef<OsStr>) -> Command {
    let runner = std::env::var(var).unwrap_or_default();
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(first) => {
            let mut c = Command::new(first);
            c.args(words).arg(program);
            c
        }
        None => Command::new(program),
    }
}
