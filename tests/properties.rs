//! Robustness properties: whatever bytes arrive, nothing panics and every record id comes back
//! once, in order, with its original data when it is not Ok; and lines built from arbitrary field
//! values (escaped the way Apache escapes them) parse back to those values.

use accesslog::config::Config;
use accesslog::firehose::{Buffers, Transformer};
use accesslog::parser::Parser;
use accesslog::time::Zone;
use proptest::prelude::*;

mod common;
use serde_json::{json, Value};

const B64: base64_simd::Base64 = base64_simd::STANDARD;

fn transformer(budget: usize) -> Transformer {
    let budget = budget.to_string();
    Transformer::new(
        Config::from_lookup(|k| match k {
            "RESPONSE_BUDGET_BYTES" => Some(budget.clone()),
            _ => None,
        })
        .unwrap(),
    )
}

/// Payloads: arbitrary bytes, near-valid lines with random damage, and Fluent Bit JSON.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    let line = r#"203.0.113.9 - - [22/Nov/2026:19:15:32.118 +0900] "GET /a?b=1 HTTP/1.1" 200 512 "-" "curl/8.5.0" 3.4"#;
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        (0..line.len(), any::<u8>(), 0..line.len()).prop_map(move |(at, b, cut)| {
            let mut v = line.as_bytes().to_vec();
            v[at] = b;
            v.truncate(cut.max(1));
            v
        }),
        ".{0,200}".prop_map(|s| json!({"log": s, "ec2_instance_id": "i-1"})
            .to_string()
            .into_bytes()),
        Just(line.as_bytes().to_vec()),
        Just(format!("{line}\n{line}\n").into_bytes()),
    ]
}

#[test]
fn lake_rows_of_the_corpus_are_what_firehose_makes_of_the_json() {
    let corpus = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/elastic-apache-combined-10k.log"
    ))
    .unwrap();
    // 10,000 lines and the empty string after the last newline.
    assert_eq!(
        common::lake_paths_agree(corpus.split(|&b| b == b'\n')).unwrap(),
        10_000
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::proptest_cases(300)))]

    #[test]
    fn every_id_comes_back_once_in_order(
        payloads in proptest::collection::vec(payload(), 0..40),
        arrival in prop_oneof![Just(1_795_341_600_000i64), any::<i64>()],
        raw_data in proptest::collection::vec(prop_oneof![Just(None), "[ -~]{0,12}".prop_map(Some)], 0..40),
        budget in prop_oneof![Just(6_000_000usize), 1usize..20_000],
    ) {
        let records: Vec<Value> = payloads.iter().enumerate().map(|(i, p)| {
            // Sometimes the data is not base64 at all.
            let data = match raw_data.get(i) { Some(Some(s)) => s.clone(), _ => B64.encode_to_string(p) };
            json!({"recordId": format!("id-{i}"), "approximateArrivalTimestamp": arrival, "data": data})
        }).collect();
        let event = serde_json::to_vec(&json!({"invocationId": "x", "records": records})).unwrap();
        let mut out = Vec::new();
        let summary = transformer(budget).transform(&event, &mut out, &mut Buffers::default()).unwrap();
        let resp: Value = serde_json::from_slice(&out).unwrap();
        let got = resp["records"].as_array().unwrap();
        prop_assert_eq!(got.len(), records.len());
        for (g, r) in got.iter().zip(&records) {
            prop_assert_eq!(&g["recordId"], &r["recordId"]);
            let result = g["result"].as_str().unwrap();
            prop_assert!(["Ok", "Dropped", "ProcessingFailed"].contains(&result));
            if result == "Ok" {
                let data = B64.decode_to_vec(g["data"].as_str().unwrap()).unwrap();
                prop_assert!(data.ends_with(b"\n"));
                for l in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    serde_json::from_slice::<Value>(l).unwrap();
                }
                prop_assert_eq!(g["metadata"]["partitionKeys"].as_object().unwrap().len(), 4);
            } else {
                prop_assert_eq!(&g["data"], &r["data"]);
            }
        }
        prop_assert_eq!(summary.ok + summary.dropped + summary.failed_total(), records.len() as u64);
        // The response stays within the budget whenever returning every record as failed would.
        let all_failed: usize = 14 + records.len().saturating_sub(1) + records.iter().map(|r| {
            json!({"recordId": r["recordId"], "result": "ProcessingFailed", "data": r["data"],
                   "metadata": {"partitionKeys": {}}}).to_string().len()
        }).sum::<usize>();
        if all_failed <= budget {
            prop_assert!(out.len() <= budget, "{} > {}", out.len(), budget);
        }
    }

    #[test]
    fn lake_rows_are_what_firehose_makes_of_the_json(lines in proptest::collection::vec(payload(), 1..20)) {
        common::lake_paths_agree(lines.iter().map(Vec::as_slice))?;
    }

    #[test]
    fn arbitrary_lines_never_panic_and_ok_records_are_valid_json(line in proptest::collection::vec(any::<u8>(), 0..400)) {
        let parser = Parser::new(Zone::named("Asia/Seoul").unwrap());
        let mut bytes = line.clone();
        if let Ok(rec) = parser.parse_mut(&mut bytes) {
            let mut out = Vec::new();
            accesslog::json::write_record(&mut out, &rec, &mut Vec::new());
            serde_json::from_slice::<Value>(&out).unwrap();
        }
    }

    #[test]
    fn generated_combined_lines_parse_back_to_their_fields(
        host in prop_oneof!["[0-9]{1,3}(\\.[0-9]{1,3}){3}", "[0-9a-f]{1,4}(:[0-9a-f]{1,4}){2,7}", "[a-z][a-z0-9-]{0,20}\\.example\\.com"],
        user in prop_oneof![Just(None), "[a-z]{1,10}".prop_map(Some)],
        method in "[A-Z]{3,7}",
        path in "/[a-zA-Z0-9/._~%-]{0,40}",
        query in prop_oneof![Just(None), "[a-zA-Z0-9=&%+,;:@-]{0,30}".prop_map(Some)],
        status in 100u16..600,
        size in prop_oneof![Just(None), any::<u32>().prop_map(Some)],
        referrer in prop_oneof![Just(None), "[ -~]{0,40}".prop_map(Some)],
        agent in prop_oneof![Just(None), "[ -~]{0,60}".prop_map(Some)],
        day in 1u32..=28, hour in 0u32..24, offset_h in -12i32..=14,
    ) {
        // Apache's escaping: backslash and quote get a backslash.
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let quoted = |v: &Option<String>| match v { None => "-".to_string(), Some(s) => esc(s) };
        let target = match &query { Some(q) => format!("{path}?{q}"), None => path.clone() };
        let line = format!(
            "{host} - {} [{day:02}/Mar/2026:{hour:02}:07:09 {}{:02}00] \"{method} {target} HTTP/1.1\" {status} {} \"{}\" \"{}\"",
            user.clone().unwrap_or_else(|| "-".into()),
            if offset_h < 0 { '-' } else { '+' }, offset_h.abs(),
            size.map_or("-".to_string(), |s| s.to_string()),
            quoted(&referrer), quoted(&agent),
        );
        let parser = Parser::new(Zone::named("Asia/Seoul").unwrap());
        let rec = parser.parse(line.as_bytes()).map_err(|e| TestCaseError::fail(format!("{line}: {e}")))?;
        prop_assert_eq!(rec.remote_host.value(), host.as_str());
        prop_assert_eq!(rec.remote_user.map(|t| t.value().into_owned()), user);
        prop_assert_eq!(rec.method.unwrap().value(), method.as_str());
        prop_assert_eq!(rec.path.unwrap().value(), path.as_str());
        prop_assert_eq!(rec.query.map(|t| t.value().into_owned()), query);
        prop_assert_eq!(rec.status, Some(status));
        prop_assert_eq!(rec.bytes, size.map(u64::from));
        // "-" is absent by definition, so a value that is exactly "-" reads back as absent.
        let dash = |v: Option<String>| v.filter(|s| s != "-");
        prop_assert_eq!(rec.referrer.map(|t| t.value().into_owned()), dash(referrer));
        prop_assert_eq!(rec.user_agent.map(|t| t.value().into_owned()), dash(agent));
        prop_assert_eq!(rec.parse_warning, None);
        let expected = chrono::NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
            .and_hms_opt(hour, 7, 9).unwrap().and_utc().timestamp_millis() - offset_h as i64 * 3_600_000;
        prop_assert_eq!(rec.ts_ms, expected);
    }
}
