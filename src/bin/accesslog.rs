//! The `accesslog` command-line tool; everything lives in `accesslog::cli`.

fn main() -> std::process::ExitCode {
    accesslog::cli::main()
}
