//! `LOG_FORMAT`: configured nginx `log_format` and Apache `LogFormat` strings, through the CLI
//! and the Lambda's transform, held to what the servers' documentation says each variable holds.

use std::collections::HashMap;
use std::io::Write;
use std::process::Stdio;

use accesslog::config::Config;
use accesslog::firehose::{Buffers, Transformer};
use accesslog::format::LineFormat;
use accesslog::input::{LineDecoder, LineScratch};
use accesslog::json::write_record;
use accesslog::parser::Parser;
use accesslog::time::Zone;
use serde_json::{json, Value};

const CLI: &str = env!("CARGO_BIN_EXE_accesslog");

mod runner;

/// The nginx format of the acceptance criteria: combined, then the request time, the upstream
/// times (a list when nginx tried several upstreams) and the Host.
const NGINX_TIMED: &str = r#"nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time $host"#;

const TIMED_LINES: &str = concat!(
    r#"203.0.113.9 - - [22/Nov/2026:19:00:00 +0900] "GET /api/items?page=2 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)" 0.123 0.010, 0.020 api.example.com"#,
    "\n",
    r#"203.0.113.9 - alice [22/Nov/2026:19:00:01 +0900] "POST /login HTTP/1.1" 302 0 "https://example.com/" "curl/8.5.0" 1.5 - example.com"#,
    "\n",
);

fn config(pairs: &[(&str, &str)]) -> Config {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| m.get(k).cloned()).unwrap()
}

fn cli_parse(log_format: &str, input: &str) -> (Option<i32>, Vec<Value>, String) {
    let mut child = runner::command(CLI)
        .arg("parse")
        .env("LOG_FORMAT", log_format)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A configuration the CLI refuses ends it before it reads its input.
    match child.stdin.take().unwrap().write_all(input.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.unwrap(),
    }
    let o = child.wait_with_output().unwrap();
    let records = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        o.status.code(),
        records,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// What the Lambda returns for these lines, one Firehose record each, decoded.
fn lambda(log_format: &str, input: &str) -> Vec<Value> {
    let recs: Vec<Value> = input
        .lines()
        .enumerate()
        .map(|(i, l)| {
            json!({"recordId": format!("r{i}"), "approximateArrivalTimestamp": 1_795_341_600_000i64,
                   "data": base64_simd::STANDARD.encode_to_string(l)})
        })
        .collect();
    let event = serde_json::to_vec(&json!({"invocationId": "i", "records": recs})).unwrap();
    let t = Transformer::new(config(&[("LOG_FORMAT", log_format), ("TIME_GUARD", "off")]));
    let mut out = Vec::new();
    t.transform(&event, &mut out, &mut Buffers::default())
        .unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["result"], "Ok", "{r}");
            let data = base64_simd::STANDARD
                .decode_to_vec(r["data"].as_str().unwrap())
                .unwrap();
            serde_json::from_slice(data.strip_suffix(b"\n").unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn the_cli_and_the_lambda_read_a_configured_nginx_format_alike() {
    let (code, parsed, err) = cli_parse(NGINX_TIMED, TIMED_LINES);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(parsed, lambda(NGINX_TIMED, TIMED_LINES));
    // $request_time is seconds: 0.123 s is 123 ms exactly, 1.5 s is 1500 ms.
    assert_eq!(parsed[0]["duration_ms"], json!(123.0));
    assert_eq!(parsed[1]["duration_ms"], json!(1500.0));
    assert_eq!(parsed[0]["vhost"], "api.example.com");
    // A list of upstream times holds the separator after it; it is kept whole, as logged.
    assert_eq!(
        parsed[0]["extra"],
        json!({"upstream_response_time": "0.010, 0.020"})
    );
    // `-` is left out of the map, and an empty map is no map.
    assert!(parsed[1].get("extra").is_none(), "{}", parsed[1]);
    assert_eq!(parsed[1]["remote_user"], "alice");
    assert_eq!(parsed[0]["log_format"], "custom");
    assert_eq!(parsed[0]["query"], "page=2");
    assert_eq!(parsed[0]["ts"], "2026-11-22 10:00:00.000");
}

#[test]
fn an_apache_directive_that_does_not_exist_stops_the_cli_and_the_cold_start() {
    let bad = r#"apache:%h %l %u %t "%r" %>s %J"#;
    let (code, parsed, err) = cli_parse(bad, TIMED_LINES);
    assert_eq!(code, Some(2));
    assert!(parsed.is_empty());
    assert!(err.contains("%J") && err.contains("LOG_FORMAT"), "{err}");
    // The Lambda reads its configuration with the same function before the runtime starts.
    let e = Config::from_lookup(|k| (k == "LOG_FORMAT").then(|| bad.to_string())).unwrap_err();
    assert_eq!(e.variable, "LOG_FORMAT");
    assert!(e.to_string().contains("%J"), "{e}");
}

fn decode_all(format: &str, text: &[u8]) -> Vec<Result<Value, String>> {
    let parser = Parser::with_format(
        Zone::named("Asia/Seoul").unwrap(),
        LineFormat::parse(format).unwrap(),
    );
    let decoder = LineDecoder::new(parser, "log");
    let mut scratch = LineScratch::default();
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            decoder
                .decode(l, &mut scratch)
                .map(|rec| {
                    let mut out = Vec::new();
                    write_record(&mut out, &rec, &mut Vec::new());
                    serde_json::from_slice(&out).unwrap()
                })
                .map_err(|e| e.to_string())
        })
        .collect()
}

#[test]
fn combined_written_as_a_format_string_reads_the_corpus_as_the_built_in_parser_does() {
    let corpus = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/elastic-apache-combined-10k.log"
    ))
    .unwrap();
    let builtin = decode_all("auto", &corpus);
    for format in [
        r#"nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#,
        r#"apache:%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\""#,
    ] {
        let custom = decode_all(format, &corpus);
        assert_eq!(custom.len(), builtin.len());
        let mut compared = 0;
        for (i, (b, c)) in builtin.iter().zip(&custom).enumerate() {
            // The corpus' one truncated line (8899) fits no format string: it is an error there,
            // kept with a warning by the built-in parser, which knows the line was cut.
            let Ok(mut b) = b.clone() else { continue };
            if b.get("parse_warning").is_some() {
                assert!(c.is_err(), "line {}: {c:?}", i + 1);
                continue;
            }
            let mut c = c.clone().unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
            assert_eq!(c["log_format"], "custom");
            b.as_object_mut().unwrap().remove("log_format");
            c.as_object_mut().unwrap().remove("log_format");
            assert_eq!(c, b, "line {} with {format}", i + 1);
            compared += 1;
        }
        assert!(compared > 9_900, "{compared}");
    }
}

fn one(format: &str, line: &str) -> Result<Value, String> {
    decode_all(format, line.as_bytes()).remove(0)
}

#[test]
fn apache_directives_fill_their_columns() {
    let rec = one(
        r#"apache:%v:%p %a %l %u [%{%d/%b/%Y:%H:%M:%S}t.%{msec_frac}t] "%m %U %H" %q %>s %B %D "%{X-Request-Id}i" %{ms}T"#,
        r#"www.example.com:443 10.0.0.7 ident - [22/Nov/2026:10:00:00.250] "GET /a b HTTP/2.0" ?x=1 404 0 1500 "req-1" 2"#,
    );
    // Two %{...}t fields: the first is the time, the second goes to extra; `%a` is the client
    // because `%h` is absent; `%v:%p` side by side is the vhost with its port.
    let rec = rec.unwrap();
    assert_eq!(rec["remote_host"], "10.0.0.7");
    assert_eq!(rec["vhost"], "www.example.com:443");
    assert_eq!(rec["method"], "GET");
    assert_eq!(rec["path"], "/a b");
    assert_eq!(rec["query"], "x=1");
    assert_eq!(rec["protocol"], "HTTP/2.0");
    assert_eq!(rec["status"], 404);
    assert_eq!(rec["bytes"], 0);
    // %D is microseconds: 1500 µs is 1.5 ms. The later %{ms}T is a second duration: extra.
    assert_eq!(rec["duration_ms"], json!(1.5));
    // Zone-less %{...}t is read in SOURCE_TZ (Asia/Seoul).
    assert_eq!(rec["ts"], "2026-11-22 01:00:00.000");
    assert_eq!(rec["parse_warning"], "zone_assumed");
    assert_eq!(
        rec["extra"],
        json!({"remote_logname": "ident", "time": "250", "http_x_request_id": "req-1", "request_time_ms": "2"})
    );
}

#[test]
fn nginx_time_forms_and_braced_variables() {
    for (format, line) in [
        (
            "nginx:${remote_addr} [$time_iso8601] \"$request\" $status",
            "10.0.0.1 [2026-11-22T10:00:00+09:00] \"GET / HTTP/1.1\" 200",
        ),
        (
            "nginx:$msec $remote_addr \"$request\" $status",
            "1795309200.000 10.0.0.1 \"GET / HTTP/1.1\" 200",
        ),
    ] {
        let rec = one(format, line).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(rec["ts"], "2026-11-22 01:00:00.000", "{format}");
        assert_eq!(rec["remote_host"], "10.0.0.1");
        assert_eq!(rec["status"], 200);
    }
}

#[test]
fn escape_json_values_are_unescaped_and_bare_quotes_never_end_a_field_early() {
    let rec = one(
        r#"nginx:escape=json:$remote_addr [$time_local] "$request" $status "$http_user_agent""#,
        r#"10.0.0.1 [22/Nov/2026:10:00:00 +0900] "GET /q HTTP/1.1" 200 "say \"hi\" \\ \u0007""#,
    )
    .unwrap();
    assert_eq!(rec["user_agent"], "say \"hi\" \\ \u{7}");
    let rec = one(
        r#"nginx:escape=none:$remote_addr [$time_local] "$http_user_agent" $status"#,
        r#"10.0.0.1 [22/Nov/2026:10:00:00 +0900] "a "quoted" agent" 200"#,
    )
    .unwrap();
    assert_eq!(rec["user_agent"], "a \"quoted\" agent");
    assert!(rec.get("parse_warning").is_none(), "{rec}");
}

#[test]
fn two_readings_are_flagged_rather_than_guessed() {
    let format = "nginx:[$time_local] $remote_addr $http_x_a $http_x_b $status";
    let rec = one(format, "[22/Nov/2026:10:00:00 +0900] 10.0.0.1 a b c d 200").unwrap();
    assert_eq!(rec["parse_warning"], "ambiguous_fields");
    // One reading only: no flag.
    let rec = one(format, "[22/Nov/2026:10:00:00 +0900] 10.0.0.1 a b 200").unwrap();
    assert!(rec.get("parse_warning").is_none(), "{rec}");
    assert_eq!(rec["extra"], json!({"http_x_a": "a", "http_x_b": "b"}));
}

#[test]
fn lines_that_do_not_follow_the_format_fail_with_a_reason() {
    for (line, code) in [
        (
            r#"203.0.113.9 - - [22/Nov/2026:19:00:00 +0900] "GET / HTTP/1.1" 200 512"#,
            "format_mismatch",
        ),
        (
            r#"203.0.113.9 - - [22/Nov/2026:19:00:00 +0900] "GET / HTTP/1.1" 2000 512 "-" "ua" 0.1 - h"#,
            "invalid_status",
        ),
        (
            r#"203.0.113.9 - - [22/Nov/2026:19:00:00 +0900] "GET / HTTP/1.1" 200 512 "-" "ua" fast - h"#,
            "invalid_duration",
        ),
    ] {
        let e = one(NGINX_TIMED, line).unwrap_err();
        assert!(e.contains(code), "{line}: {e}");
    }
}

#[test]
fn compile_errors_name_what_is_wrong() {
    for (spec, named) in [
        (r#"apache:%h %l %u %t "%r" %>s %J"#, "%J"),
        (
            "nginx:$remote_addr$remote_user [$time_local]",
            "$remote_addr$remote_user",
        ),
        ("apache:%h %{bogus}T %t", "%{bogus}T"),
        ("apache:%h [%{%Q}t]", "%{%Q}t"),
        ("nginx:$remote_addr - ${remote_user [$time_local]", "${"),
        ("nginx:$remote_addr", "no time"),
    ] {
        let e = LineFormat::parse(spec).unwrap_err();
        assert!(e.contains(named), "{spec}: {e}");
    }
    for ok in ["auto", "combined", "vhost_combined", " auto "] {
        assert!(LineFormat::parse(ok).is_ok(), "{ok}");
    }
}

#[test]
fn a_built_in_name_accepts_that_format_only() {
    let combined = r#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1 "-" "ua""#;
    let common = r#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1"#;
    assert!(one("combined", combined).is_ok());
    assert!(one("combined", common)
        .unwrap_err()
        .contains("format_mismatch"));
}

/// An nginx `escape=json` log format's line, as nginx writes it (strings, `\"` escapes).
const JSON_LINE: &str = r#"{"time_local":"22/Nov/2026:10:00:00 +0900","remote_addr":"10.0.0.1","remote_user":"","request":"GET /api?id=7 HTTP/1.1","status": 200,"body_bytes_sent":"512","request_time":"0.005","http_referer":"","http_user_agent":"say \"hi\"","upstream_response_time":"0.004","http_x_request_id":"abc","ok":true,"gone":null}"#;

#[test]
fn json_access_logs_are_read_under_auto_and_under_json() {
    for format in ["auto", "json"] {
        let rec = one(format, JSON_LINE).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(rec["log_format"], "json");
        assert_eq!(rec["ts"], "2026-11-22 01:00:00.000");
        assert_eq!(rec["remote_host"], "10.0.0.1");
        assert_eq!(rec["method"], "GET");
        assert_eq!(rec["query"], "id=7");
        assert_eq!(rec["status"], 200);
        assert_eq!(rec["bytes"], 512);
        assert_eq!(rec["duration_ms"], json!(5.0));
        assert_eq!(rec["user_agent"], "say \"hi\"");
        assert_eq!(
            rec["extra"],
            json!({"upstream_response_time": "0.004", "http_x_request_id": "abc", "ok": "true"})
        );
    }
    // A Fluent Bit record is still a Fluent Bit record: its line is parsed, not the object.
    let fluent = json!({"log": r#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1"#, "time_local": "x"});
    let rec = one("auto", &fluent.to_string()).unwrap();
    assert_eq!(rec["log_format"], "common");
    // ... and it can carry a JSON access log as its line.
    let wrapped = json!({"log": JSON_LINE, "ec2_instance_id": "i-1"});
    let rec = one("json", &wrapped.to_string()).unwrap();
    assert_eq!(
        (&rec["log_format"], &rec["instance_id"]),
        (&json!("json"), &json!("i-1"))
    );
    // Under json, anything else is refused; an object without a time is no access log.
    let combined = r#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1"#;
    assert!(one("json", combined)
        .unwrap_err()
        .contains("format_mismatch"));
    assert!(one("auto", r#"{"level":"info","msg":"started"}"#)
        .unwrap_err()
        .contains("missing_log_field"));
}
