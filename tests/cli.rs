//! The two binaries as users run them: `accesslog` commands with their exit codes and messages,
//! and the `accesslog-transform` Lambda under a local Lambda Runtime API, whose responses must be
//! byte-for-byte what `accesslog transform` prints for every event in `events/`.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const CLI: &str = env!("CARGO_BIN_EXE_accesslog");
const LAMBDA: &str = env!("CARGO_BIN_EXE_accesslog-transform");

mod runner;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn accesslog(args: &[&str], envs: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut child = runner::command(CLI)
        .args(args)
        .env_remove("TIME_GUARD")
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn parse_prints_records_and_reports_bad_lines_by_file_and_line() {
    let dir = tempdir();
    let log = dir.join("mixed.log");
    std::fs::write(
        &log,
        "10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] \"GET /a HTTP/1.1\" 200 5\n\
         not a log line\n\
         \n\
         10.0.0.1 - - [31/Feb/2026:10:00:00 +0900] \"GET /b HTTP/1.1\" 200 5\n\
         10.0.0.1 - - [22/Nov/2026:10:00:01 +0900] \"GET /c HTTP/1.1\" 404 -\n",
    )
    .unwrap();
    let o = accesslog(&["parse", log.to_str().unwrap()], &[], b"");
    assert_eq!(o.status.code(), Some(1), "exit 1 when any line failed");
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    let paths: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(paths, ["/a", "/c"]);
    let err = stderr(&o);
    let name = log.display().to_string();
    assert!(
        err.contains(&format!("{name}:2: ")) && err.contains("no_timestamp"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{name}:4: ")) && err.contains("impossible_date"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");

    // stdin, and success when every line parses
    let o = accesslog(
        &["parse"],
        &[],
        b"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] \"GET /a HTTP/1.1\" 200 5\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout.iter().filter(|&&b| b == b'\n').count(), 1);
}

#[test]
fn a_reader_that_stops_early_ends_each_command_quietly() {
    // `accesslog generate ... | head -1`: the reader closes the pipe after one line. The command
    // stops at its next write, exits 1, and prints neither a panic nor an error.
    let corpus = repo().join("tests/data/elastic-apache-combined-10k.log");
    let corpus = corpus.to_str().unwrap();
    for args in [
        &["generate", "--date", "2026-11-22", "--lines", "200000"][..],
        &["parse", corpus][..],
    ] {
        let mut child = runner::command(CLI)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.ends_with('\n'), "{args:?}: {first:?}");
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn usage_errors_exit_2_and_name_the_fix() {
    let o = accesslog(&["parse", "/no/such/file.log"], &[], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot open /no/such/file.log"),
        "{}",
        stderr(&o)
    );

    let o = accesslog(&["frobnicate"], &[], b"");
    assert_eq!(o.status.code(), Some(2));

    let o = accesslog(&["parse"], &[("SOURCE_TZ", "KST")], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("SOURCE_TZ") && stderr(&o).contains("Asia/Seoul"),
        "{}",
        stderr(&o)
    );

    let o = accesslog(&["event", "--arrival", "yesterday"], &[], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("RFC 3339"), "{}", stderr(&o));

    let o = accesslog(&["transform"], &[], b"{\"not\": \"an event\"}");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a Firehose transformation event"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn committed_schema_files_equal_what_the_schema_command_prints() {
    let glue = accesslog(&["schema", "--format", "glue-json"], &[], b"");
    let committed = std::fs::read_to_string(repo().join("terraform/glue-columns.json")).unwrap();
    assert_eq!(
        String::from_utf8(glue.stdout).unwrap(),
        committed,
        "terraform/glue-columns.json is stale: run `accesslog schema --format glue-json > terraform/glue-columns.json`"
    );
    let ddl = accesslog(&["schema", "--format", "athena-ddl"], &[], b"");
    let committed = std::fs::read_to_string(repo().join("sql/athena/create_table.sql")).unwrap();
    assert_eq!(
        String::from_utf8(ddl.stdout).unwrap(),
        committed,
        "sql/athena/create_table.sql is stale: run `accesslog schema --format athena-ddl > sql/athena/create_table.sql`"
    );
}

#[test]
fn event_then_transform_keeps_every_corpus_line() {
    let corpus = repo().join("tests/data/elastic-apache-combined-10k.log");
    let dir = tempdir();
    let o = accesslog(
        &[
            "event",
            corpus.to_str().unwrap(),
            "--max-bytes",
            "1000000",
            "--out-dir",
            dir.to_str().unwrap(),
        ],
        &[],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "2.4 MB of lines at 1 MB per event: {files:?}"
    );
    let (mut records, mut ok, mut truncated) = (0, 0, 0);
    for f in &files {
        let size: u64 = serde_json::from_slice::<serde_json::Value>(&std::fs::read(f).unwrap())
            .unwrap()["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                base64_simd::STANDARD
                    .decode_to_vec(r["data"].as_str().unwrap())
                    .unwrap()
                    .len() as u64
            })
            .sum();
        assert!(
            size <= 1_000_000,
            "{} holds {size} payload bytes",
            f.display()
        );
        // The corpus is from 2015: replays of old logs turn the time guard off.
        let o = accesslog(
            &["transform", "-q", f.to_str().unwrap()],
            &[("TIME_GUARD", "off")],
            b"",
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let resp: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for r in resp["records"].as_array().unwrap() {
            records += 1;
            assert_eq!(r["result"], "Ok", "{r}");
            ok += 1;
            let line = base64_simd::STANDARD
                .decode_to_vec(r["data"].as_str().unwrap())
                .unwrap();
            truncated += String::from_utf8(line)
                .unwrap()
                .contains("\"parse_warning\":\"truncated\"") as u32;
        }
    }
    assert_eq!((records, ok, truncated), (10_000, 10_000, 1));
}

#[test]
fn a_bad_environment_fails_the_lambda_cold_start_with_the_fix() {
    let o = runner::command(LAMBDA)
        .env("TIME_GUARD_MAX_AGE_HOURS", "a week")
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9") // never reached
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("TIME_GUARD_MAX_AGE_HOURS") && err.contains("whole number"),
        "{err}"
    );
}

#[test]
fn the_lambda_returns_exactly_what_accesslog_transform_prints() {
    answers_every_event_like_the_cli(runner::command(LAMBDA), "");
}

/// `cargo lambda watch` (the README's local loop) sets `AWS_LAMBDA_RUNTIME_API` to a URL whose
/// path goes in front of every request's.
#[test]
fn the_lambda_takes_the_runtime_api_as_a_url_with_a_path() {
    answers_every_event_like_the_cli(runner::command(LAMBDA), "/.rt/accesslog-transform");
}

#[test]
fn the_lambda_names_the_fix_for_a_runtime_api_address_it_cannot_use() {
    for (value, says) in [
        ("https://127.0.0.1:9/", "scheme other than http"),
        (
            "127.0.0.1:9",
            "cannot connect to the Runtime API at 127.0.0.1:9",
        ),
    ] {
        let o = runner::command(LAMBDA)
            .env("AWS_LAMBDA_RUNTIME_API", value)
            .output()
            .unwrap();
        assert!(!o.status.success());
        let err = stderr(&o);
        assert!(
            err.contains(says) && err.contains("AWS_LAMBDA_RUNTIME_API"),
            "{value}: {err}"
        );
    }
}

#[test]
fn the_lambda_answers_a_non_event_on_the_error_path_and_goes_on() {
    let good = std::fs::read(repo().join("events/raw-lines.json")).unwrap();
    let (answers, _) = invoke_lambda(
        runner::command(LAMBDA),
        &[b"{\"not\": \"an event\"}".to_vec(), good.clone()],
        "",
    );
    let error = answers[0].as_ref().expect_err("a non-event is an error");
    assert!(error.contains("/error [InvalidEvent]: "), "{error}");
    let body: serde_json::Value =
        serde_json::from_str(error.split_once("/error [InvalidEvent]: ").unwrap().1).unwrap();
    assert_eq!(body["errorType"], "InvalidEvent", "{body}");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("not a Firehose transformation event"),
        "{body}"
    );
    // The next invocation is answered as usual.
    let response: serde_json::Value = serde_json::from_slice(answers[1].as_ref().unwrap()).unwrap();
    assert_eq!(
        response["records"].as_array().unwrap().len(),
        serde_json::from_slice::<serde_json::Value>(&good).unwrap()["records"]
            .as_array()
            .unwrap()
            .len()
    );
}

/// What Terraform deploys: the arm64 `bootstrap` inside the zip `make lambda` builds, run under
/// the aarch64 runner (`qemu-aarch64`) unless the tests themselves run on aarch64.
#[test]
#[ignore = "needs the zip from `make lambda`; `make test-arm64-bootstrap` runs it"]
fn the_shipped_arm64_bootstrap_returns_exactly_what_accesslog_transform_prints() {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or(repo().join("target"), PathBuf::from);
    let zip_path = target.join("lambda/accesslog-transform/bootstrap.zip");
    let file = std::fs::File::open(&zip_path)
        .unwrap_or_else(|e| panic!("{}: {e}; build it with `make lambda`", zip_path.display()));
    let mut zip = zip::ZipArchive::new(file).unwrap();
    assert_eq!(
        zip.file_names().collect::<Vec<_>>(),
        ["bootstrap"],
        "the zip holds the bootstrap alone"
    );
    let mut entry = zip.by_name("bootstrap").unwrap();
    assert_eq!(
        entry.unix_mode().map(|m| m & 0o111),
        Some(0o111),
        "Lambda runs the bootstrap only when it is executable"
    );
    let mut binary = Vec::new();
    entry.read_to_end(&mut binary).unwrap();
    // ELF, 64-bit, little-endian, machine 183 (AArch64): what `provided.al2023` on arm64 runs.
    assert_eq!(binary[..6], [0x7f, b'E', b'L', b'F', 2, 1]);
    assert_eq!(
        u16::from_le_bytes([binary[18], binary[19]]),
        183,
        "an AArch64 executable"
    );
    let dir = tempdir();
    let bootstrap = dir.join("bootstrap");
    std::fs::write(&bootstrap, &binary).unwrap();
    std::fs::set_permissions(
        &bootstrap,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let command = if cfg!(target_arch = "aarch64") {
        Command::new(&bootstrap)
    } else {
        assert!(
            std::env::var(runner::AARCH64_RUNNER_VAR).is_ok_and(|r| !r.trim().is_empty()),
            "{} must name the emulator that runs aarch64 binaries here, such as \
             `qemu-aarch64 -L /usr/aarch64-linux-gnu` (mk/arm64.mk sets it)",
            runner::AARCH64_RUNNER_VAR
        );
        runner::through(runner::AARCH64_RUNNER_VAR, &bootstrap)
    };
    answers_every_event_like_the_cli(command, "");
}

/// Every event in `events/` through the Lambda binary that `lambda` starts, under a local
/// Runtime API whose paths begin with `base`, against `accesslog transform` of the same file.
fn answers_every_event_like_the_cli(lambda: Command, base: &str) {
    let mut events: Vec<PathBuf> = std::fs::read_dir(repo().join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    events.sort();
    assert!(
        events.len() >= 5,
        "events/ holds the sample events: {events:?}"
    );
    let bodies: Vec<Vec<u8>> = events.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let responses = run_lambda(lambda, &bodies, base);
    for (path, lambda) in events.iter().zip(responses) {
        let cli = accesslog(&["transform", "-q", path.to_str().unwrap()], &[], b"");
        assert!(cli.status.success(), "{}", stderr(&cli));
        let mut cli_out = cli.stdout;
        assert_eq!(cli_out.pop(), Some(b'\n'));
        assert!(
            lambda == cli_out,
            "{}: the Lambda and the CLI differ\nlambda: {}\ncli:    {}",
            path.display(),
            String::from_utf8_lossy(&lambda),
            String::from_utf8_lossy(&cli_out)
        );
    }
}

// ---- a minimal Lambda Runtime API on loopback -------------------------------------------------

/// Serves `events` to the Lambda binary that `lambda` starts, one invocation at a time, and
/// returns its response bodies.
fn run_lambda(lambda: Command, events: &[Vec<u8>], base: &str) -> Vec<Vec<u8>> {
    let (answers, logs) = invoke_lambda(lambda, events, base);
    let out = answers
        .into_iter()
        .enumerate()
        .map(|(i, a)| a.unwrap_or_else(|e| panic!("invocation {i} failed: {e}")))
        .collect();
    // One invocation log line per event, each an EMF document.
    let emf: Vec<serde_json::Value> = logs
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        emf.len(),
        events.len(),
        "one log line per invocation: {logs}"
    );
    assert!(emf
        .iter()
        .all(|d| d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "accesslog"));
    out
}

/// Serves `events` to the Lambda binary that `lambda` starts, one invocation at a time, and
/// returns what it posted for each (the response body, or the error path, error type and body)
/// and its standard output. The Runtime API's paths begin with `base` (`""` as on Lambda).
fn invoke_lambda(
    mut lambda: Command,
    events: &[Vec<u8>],
    base: &str,
) -> (Vec<Result<Vec<u8>, String>>, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let queue = Arc::new(Mutex::new(
        events.iter().cloned().enumerate().collect::<VecDeque<_>>(),
    ));
    let (tx, rx) = mpsc::channel::<(usize, Result<Vec<u8>, String>)>();
    let (idle_tx, idle_rx) = mpsc::channel::<()>();
    let api = Api {
        host: addr.to_string(),
        base: base.to_string(),
    };
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { break };
            let (queue, tx, idle, api) =
                (Arc::clone(&queue), tx.clone(), idle_tx.clone(), api.clone());
            std::thread::spawn(move || serve(conn, &api, queue, tx, idle));
        }
    });
    let address = if base.is_empty() {
        addr.to_string()
    } else {
        format!("http://{addr}{base}")
    };
    let mut child = lambda
        .env("AWS_LAMBDA_RUNTIME_API", address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "accesslog-transform")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/accesslog-transform",
        )
        .env_remove("TIME_GUARD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = vec![Err("no answer".to_string()); events.len()];
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..events.len() {
        // A binary that exits fails the test at once, not at the deadline.
        let answer = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(answer) => break Some(answer),
                Err(_) if Instant::now() >= deadline => break None,
                Err(_) if child.try_wait().unwrap().is_some() => break None,
                Err(_) => {}
            }
        };
        match answer {
            Some((PROTOCOL, Err(e))) => {
                let _ = child.kill();
                panic!("the Lambda broke the Runtime API protocol: {e}");
            }
            Some((i, answer)) => out[i] = answer,
            None => {
                let _ = child.kill();
                let o = child.wait_with_output().unwrap();
                panic!(
                    "the Lambda exited or did not answer in time ({}); stderr: {}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr)
                );
            }
        }
    }
    // Its next request for work, once every event is handed out, says the last invocation is
    // over, its log line written.
    let left = deadline.saturating_duration_since(Instant::now());
    let _ = idle_rx.recv_timeout(left);
    let _ = child.kill();
    let o = child.wait_with_output().unwrap();
    (out, String::from_utf8_lossy(&o.stdout).into_owned())
}

type Outbox = mpsc::Sender<(usize, Result<Vec<u8>, String>)>;
/// The index an outbox message carries when the binary broke the protocol.
const PROTOCOL: usize = usize::MAX;

/// What the test Runtime API expects of every request: its `Host` header and the start of its
/// path.
#[derive(Clone)]
struct Api {
    host: String,
    base: String,
}
/// Events still to hand out, by index.
type Queue = Arc<Mutex<VecDeque<(usize, Vec<u8>)>>>;

/// `idle` hears of each request for work that finds no event left. The connection is closed
/// after every third event it hands out and after every other answer, as a server may close a
/// keep-alive connection, so the binary must open a new one to go on.
fn serve(conn: TcpStream, api: &Api, queue: Queue, tx: Outbox, idle: mpsc::Sender<()>) {
    conn.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut conn = conn;
    loop {
        let Some((method, path, headers, body)) = read_request(&mut reader) else {
            return;
        };
        // Lambda's Runtime API answers 400 to an HTTP/1.1 request without a Host header.
        let broken = if headers.get("host") != Some(&api.host) {
            Some(format!(
                "{method} {path} with Host {:?}",
                headers.get("host")
            ))
        } else if !path.starts_with(&format!("{}/2018-06-01/runtime/", api.base)) {
            Some(format!(
                "{method} {path}, outside {}/2018-06-01/runtime/",
                api.base
            ))
        } else {
            None
        };
        if let Some(broken) = broken {
            refuse(&mut conn, &tx, broken);
            continue;
        }
        if method == "GET" && path.ends_with("/runtime/invocation/next") {
            // Wait for work; the test kills the process once every event is answered.
            let mut told = false;
            let next = loop {
                if let Some(n) = queue.lock().unwrap().pop_front() {
                    break n;
                }
                if !std::mem::replace(&mut told, true) {
                    let _ = idle.send(());
                }
                std::thread::sleep(Duration::from_millis(20));
            };
            let (i, event) = next;
            let close = i % 3 == 2;
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 300_000;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: req-{i}\r\n\
                 Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:ap-northeast-2:123456789012:function:accesslog-transform\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\n\
                 Lambda-Runtime-Invocation-Id: inv-{i}\r\n{}Content-Length: {}\r\n\r\n",
                if close { CLOSE } else { "" },
                event.len()
            );
            conn.write_all(head.as_bytes()).unwrap();
            if i % 2 == 1 {
                // Every other event arrives in pieces, as a large one does, so the binary reads
                // it as several frames and gathers them (unless it is descheduled for the whole
                // pause); the others come in one write.
                for (n, piece) in event.chunks(event.len().div_ceil(3).max(1)).enumerate() {
                    if n > 0 {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    conn.write_all(piece).unwrap();
                }
            } else {
                conn.write_all(&event).unwrap();
            }
            if close {
                return;
            }
        } else {
            let id: Option<usize> = path
                .split('/')
                .find_map(|s| s.strip_prefix("req-"))
                .and_then(|s| s.parse().ok());
            let echoed = headers.get("lambda-runtime-invocation-id");
            let Some(id) = id.filter(|i| echoed == Some(&format!("inv-{i}"))) else {
                refuse(
                    &mut conn,
                    &tx,
                    format!("{path} echoes invocation id {echoed:?}"),
                );
                continue;
            };
            let result = if path.ends_with("/response") {
                Ok(body)
            } else {
                let kind = headers.get("lambda-runtime-function-error-type");
                Err(format!(
                    "{path} [{}]: {}",
                    kind.map_or("no error type", |k| k.as_str()),
                    String::from_utf8_lossy(&body)
                ))
            };
            let close = id % 2 == 0;
            let reply = format!(
                "HTTP/1.1 202 Accepted\r\n{}Content-Length: 2\r\n\r\n{{}}",
                if close { CLOSE } else { "" }
            );
            conn.write_all(reply.as_bytes()).unwrap();
            let _ = tx.send((id, result));
            if close {
                return;
            }
        }
    }
}

/// The header with which the test Runtime API closes a connection after its answer.
const CLOSE: &str = "Connection: close\r\n";

/// Answers 400 to a request that breaks the protocol, as Lambda's Runtime API does, and tells
/// the test why.
fn refuse(conn: &mut TcpStream, tx: &Outbox, why: String) {
    let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let _ = tx.send((PROTOCOL, Err(why)));
}

/// A request's method, path, headers (names in lowercase) and body.
type Request = (String, String, HashMap<String, String>, Vec<u8>);

fn read_request(r: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = match headers.get("content-length") {
        Some(n) => n.parse().ok()?,
        None => 0,
    };
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        body.resize(len, 0);
        r.read_exact(&mut body).ok()?;
    }
    Some((method, path, headers, body))
}

/// A fresh directory under the system temp directory, removed when dropped.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for TempDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    let d = std::env::temp_dir().join(format!(
        "accesslog-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}
