//! The Firehose contract (SPEC §5), rule by rule, through the same `Transformer::transform` the
//! Lambda binary and `accesslog transform` call.

use std::collections::HashMap;

use accesslog::config::Config;
use accesslog::firehose::{Buffers, Summary, Transformer};
use serde_json::{json, Value};

const B64: base64_simd::Base64 = base64_simd::STANDARD;

/// 2026-11-22 10:00:00 UTC = 19:00 KST, the arrival time of the test records.
const ARRIVAL: i64 = 1_795_341_600_000;

fn config(pairs: &[(&str, &str)]) -> Config {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| m.get(k).cloned()).unwrap()
}

/// A Firehose event from a Kinesis source, in the real shape.
fn event(records: &[(&str, Vec<u8>)]) -> Vec<u8> {
    event_raw(
        records
            .iter()
            .map(|(id, data)| (id.to_string(), B64.encode_to_string(data)))
            .collect(),
    )
}

fn event_raw(records: Vec<(String, String)>) -> Vec<u8> {
    let recs: Vec<Value> = records
        .into_iter()
        .enumerate()
        .map(|(i, (id, data))| {
            json!({
                "recordId": id,
                "approximateArrivalTimestamp": ARRIVAL,
                "data": data,
                "kinesisRecordMetadata": {
                    "shardId": "shardId-000000000000",
                    "partitionKey": "pk",
                    "approximateArrivalTimestamp": ARRIVAL,
                    "sequenceNumber": format!("4966{i:052}"),
                    "subsequenceNumber": 0
                }
            })
        })
        .collect();
    serde_json::to_vec(&json!({
        "invocationId": "inv-1",
        "deliveryStreamArn": "arn:aws:firehose:ap-northeast-2:123456789012:deliverystream/accesslog",
        "sourceKinesisStreamArn": "arn:aws:kinesis:ap-northeast-2:123456789012:stream/wsi-log",
        "region": "ap-northeast-2",
        "records": recs
    }))
    .unwrap()
}

fn transform(cfg: Config, event: &[u8]) -> (Vec<u8>, Summary) {
    let mut out = Vec::new();
    let summary = Transformer::new(cfg)
        .transform(event, &mut out, &mut Buffers::default())
        .unwrap();
    (out, summary)
}

fn records(response: &[u8]) -> Vec<Value> {
    let v: Value = serde_json::from_slice(response).expect("the response is JSON");
    v["records"].as_array().unwrap().clone()
}

fn decoded(rec: &Value) -> String {
    String::from_utf8(B64.decode_to_vec(rec["data"].as_str().unwrap()).unwrap()).unwrap()
}

/// A line at the given UTC time, e.g. "22/Nov/2026:10:00:00 +0000".
fn line(time: &str, path: &str) -> Vec<u8> {
    format!(r#"203.0.113.9 - - [{time}] "GET {path} HTTP/1.1" 200 5 "-" "curl/8.5.0""#).into_bytes()
}

#[test]
fn every_id_comes_back_once_in_order_with_a_valid_result() {
    let ev = event(&[
        ("a", line("22/Nov/2026:10:00:00 +0000", "/1")),
        ("b", b"   \n\t ".to_vec()),
        ("c", b"garbage".to_vec()),
        ("d", line("22/Nov/2026:10:00:01 +0000", "/2")),
        ("e", vec![]),
    ]);
    let (out, summary) = transform(config(&[]), &ev);
    let recs = records(&out);
    let ids: Vec<&str> = recs
        .iter()
        .map(|r| r["recordId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    let results: Vec<&str> = recs.iter().map(|r| r["result"].as_str().unwrap()).collect();
    assert_eq!(
        results,
        ["Ok", "Dropped", "ProcessingFailed", "Ok", "Dropped"]
    );
    assert_eq!(
        (
            summary.records_in,
            summary.ok,
            summary.dropped,
            summary.failed_total()
        ),
        (5, 2, 2, 1)
    );
    assert_eq!(summary.failed.get("no_timestamp"), Some(&1));
    assert_eq!(summary.failures[0].record_id, "c");
}

#[test]
fn ok_data_is_the_json_record_plus_newline_with_kst_partition_keys() {
    let ev = event(&[("a", line("22/Nov/2026:23:30:00 +0000", "/x?y=1"))]);
    let (out, _) = transform(config(&[("TIME_GUARD", "off")]), &ev);
    let rec = &records(&out)[0];
    let data = decoded(rec);
    assert!(
        data.ends_with('\n') && data.matches('\n').count() == 1,
        "{data:?}"
    );
    let parsed: Value = serde_json::from_str(data.trim_end()).unwrap();
    assert_eq!(parsed["ts"], "2026-11-22 23:30:00.000");
    assert_eq!(parsed["path"], "/x");
    assert_eq!(parsed["query"], "y=1");
    // SPEC §4's example: 23:30 UTC is 08:30 the next day in KST.
    assert_eq!(
        rec["metadata"]["partitionKeys"],
        json!({"year": "2026", "month": "11", "day": "23", "hour": "08"})
    );
}

#[test]
fn failed_records_carry_their_original_data_unchanged() {
    let cases: Vec<(String, String)> = vec![
        (
            "garbage".into(),
            B64.encode_to_string(b"\x00\x01binary\xff"),
        ),
        ("not-base64".into(), "!!!not base64!!!".into()),
        (
            "feb31".into(),
            B64.encode_to_string(line("31/Feb/2026:10:00:00 +0000", "/")),
        ),
        (
            "json-without-line".into(),
            B64.encode_to_string(br#"{"msg":"x"}"#),
        ),
    ];
    let ev = event_raw(cases.clone());
    let (out, summary) = transform(config(&[]), &ev);
    for (rec, (id, data)) in records(&out).iter().zip(&cases) {
        assert_eq!(rec["recordId"], id.as_str());
        assert_eq!(rec["result"], "ProcessingFailed", "{id}");
        assert_eq!(
            rec["data"],
            data.as_str(),
            "{id}: data must be the input, byte for byte"
        );
        assert_eq!(
            rec["metadata"],
            json!({"partitionKeys": {}}),
            "{id}: no partition for a failed record"
        );
    }
    let reasons: Vec<&str> = summary.failures.iter().map(|f| f.reason.code()).collect();
    assert_eq!(
        reasons,
        [
            "no_timestamp",
            "invalid_base64",
            "impossible_date",
            "missing_log_field"
        ]
    );
}

#[test]
fn fluent_bit_records_give_the_line_and_instance_id() {
    let rec = json!({"log": String::from_utf8(line("22/Nov/2026:10:00:00 +0000", "/fb")).unwrap(), "ec2_instance_id": "i-0abc"});
    let mut data = rec.to_string().into_bytes();
    data.push(b'\n'); // Fluent Bit's kinesis_streams output appends a newline
    let (out, _) = transform(config(&[]), &event(&[("a", data)]));
    let r = &records(&out)[0];
    assert_eq!(r["result"], "Ok");
    let parsed: Value = serde_json::from_str(decoded(r).trim_end()).unwrap();
    assert_eq!(parsed["instance_id"], "i-0abc");
    assert_eq!(parsed["path"], "/fb");
}

#[test]
fn multi_line_records_in_one_partition_give_one_object_per_line() {
    let mut data = line("22/Nov/2026:10:00:00 +0000", "/1");
    data.push(b'\n');
    data.extend(line("22/Nov/2026:10:14:59 +0000", "/2"));
    data.extend(b"\n\n");
    let (out, summary) = transform(config(&[]), &event(&[("a", data)]));
    let r = &records(&out)[0];
    assert_eq!(r["result"], "Ok");
    let text = decoded(r);
    let paths: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(paths, ["/1", "/2"]);
    assert_eq!(summary.lines_ok, 2);
}

#[test]
fn multi_line_records_across_partitions_fail_whole() {
    // 14:59:59 UTC is 23:59:59 KST, one second later is the next KST day.
    let mut data = line("22/Nov/2026:14:59:59 +0000", "/1");
    data.push(b'\n');
    data.extend(line("22/Nov/2026:15:00:00 +0000", "/2"));
    let b64 = B64.encode_to_string(&data);
    let (out, summary) = transform(config(&[("TIME_GUARD", "off")]), &event(&[("a", data)]));
    let r = &records(&out)[0];
    assert_eq!(r["result"], "ProcessingFailed");
    assert_eq!(r["data"], b64.as_str());
    assert_eq!(summary.failed.get("mixed_partitions"), Some(&1));
}

#[test]
fn a_batch_across_kst_midnight_splits_by_kst_day() {
    let ev = event(&[
        ("before", line("22/Nov/2026:14:59:59 +0000", "/")),
        ("after", line("22/Nov/2026:15:00:00 +0000", "/")),
        ("kst-line", line("23/Nov/2026:00:00:00 +0900", "/")),
    ]);
    let (out, _) = transform(config(&[("TIME_GUARD", "off")]), &ev);
    let keys: Vec<Value> = records(&out)
        .iter()
        .map(|r| r["metadata"]["partitionKeys"].clone())
        .collect();
    assert_eq!(
        keys[0],
        json!({"year": "2026", "month": "11", "day": "22", "hour": "23"})
    );
    assert_eq!(
        keys[1],
        json!({"year": "2026", "month": "11", "day": "23", "hour": "00"})
    );
    assert_eq!(keys[2], keys[1]);
    // PARTITION_TZ=UTC moves the keys, not the ts.
    let (out, _) = transform(
        config(&[("PARTITION_TZ", "UTC"), ("TIME_GUARD", "off")]),
        &ev,
    );
    let r = &records(&out)[1];
    assert_eq!(
        r["metadata"]["partitionKeys"],
        json!({"year": "2026", "month": "11", "day": "22", "hour": "15"})
    );
    let parsed: Value = serde_json::from_str(decoded(r).trim_end()).unwrap();
    assert_eq!(parsed["ts"], "2026-11-22 15:00:00.000");
}

#[test]
fn the_time_guard_fails_implausible_times_and_can_be_turned_off() {
    // ARRIVAL is 2026-11-22 10:00 UTC.
    let ev = event(&[
        ("old", line("19/Nov/2026:09:59:59 +0000", "/")), // 72 h + 1 s before arrival
        ("edge", line("19/Nov/2026:10:00:00 +0000", "/")), // exactly 72 h: allowed
        ("future", line("22/Nov/2026:10:15:01 +0000", "/")),
        ("soon", line("22/Nov/2026:10:15:00 +0000", "/")),
    ]);
    let (out, summary) = transform(config(&[]), &ev);
    let results: Vec<String> = records(&out)
        .iter()
        .map(|r| r["result"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        results,
        ["ProcessingFailed", "Ok", "ProcessingFailed", "Ok"]
    );
    assert_eq!(summary.failed.get("time_guard_too_old"), Some(&1));
    assert_eq!(summary.failed.get("time_guard_in_future"), Some(&1));

    let (out, _) = transform(config(&[("TIME_GUARD", "off")]), &ev);
    assert!(records(&out).iter().all(|r| r["result"] == "Ok"));
    let (out, _) = transform(config(&[("TIME_GUARD_MAX_AGE_HOURS", "1")]), &ev);
    assert_eq!(records(&out)[1]["result"], "ProcessingFailed");
}

#[test]
fn the_response_stays_within_the_budget_and_loses_nothing() {
    let records_in: Vec<(String, Vec<u8>)> = (0..200)
        .map(|i| {
            (
                format!("id-{i}"),
                line("22/Nov/2026:10:00:00 +0000", &format!("/p/{i}")),
            )
        })
        .collect();
    let borrowed: Vec<(&str, Vec<u8>)> = records_in
        .iter()
        .map(|(i, d)| (i.as_str(), d.clone()))
        .collect();
    let ev = event(&borrowed);
    let budget = 60_000;
    let (out, summary) = transform(
        config(&[("RESPONSE_BUDGET_BYTES", &budget.to_string())]),
        &ev,
    );
    assert!(
        out.len() <= budget,
        "response {} bytes > budget {budget}",
        out.len()
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 200);
    let failed: Vec<&Value> = recs
        .iter()
        .filter(|r| r["result"] == "ProcessingFailed")
        .collect();
    assert!(
        !failed.is_empty() && failed.len() < 200,
        "{} failed",
        failed.len()
    );
    // Failures are the tail, each with its original data.
    let first_failed = recs
        .iter()
        .position(|r| r["result"] == "ProcessingFailed")
        .unwrap();
    assert!(recs[first_failed..]
        .iter()
        .all(|r| r["result"] == "ProcessingFailed"));
    for (r, (id, data)) in recs.iter().zip(&records_in) {
        assert_eq!(r["recordId"], id.as_str());
        if r["result"] == "ProcessingFailed" {
            assert_eq!(
                B64.decode_to_vec(r["data"].as_str().unwrap()).unwrap(),
                *data
            );
        }
    }
    assert_eq!(
        summary.failed.get("response_budget"),
        Some(&(failed.len() as u64))
    );
    let log = accesslog::metrics::invocation_line(&summary, "f", 1.0, 0);
    assert!(
        log.contains("BufferSizeInMBs"),
        "the warning names the fix: {log}"
    );
}

#[test]
fn our_json_is_read_by_aws_lambda_events_types() {
    use aws_lambda_events::event::firehose::{KinesisFirehoseEvent, KinesisFirehoseResponse};
    let ev = event(&[
        ("a", line("22/Nov/2026:10:00:00 +0000", "/")),
        ("b", b"junk".to_vec()),
        ("c", b" ".to_vec()),
    ]);
    let official: KinesisFirehoseEvent = serde_json::from_slice(&ev).unwrap();
    assert_eq!(official.records.len(), 3);
    let (out, _) = transform(config(&[]), &ev);
    let resp: KinesisFirehoseResponse = serde_json::from_slice(&out).unwrap();
    assert_eq!(resp.records.len(), 3);
    assert_eq!(resp.records[0].result.as_deref(), Some("Ok"));
    assert_eq!(
        resp.records[0]
            .metadata
            .partition_keys
            .get("hour")
            .map(String::as_str),
        Some("19")
    );
    assert_eq!(resp.records[1].result.as_deref(), Some("ProcessingFailed"));
    assert_eq!(resp.records[1].data.0, b"junk");
    assert_eq!(resp.records[2].result.as_deref(), Some("Dropped"));
}

#[test]
fn arrival_timestamps_in_other_shapes_are_read() {
    for arrival in [
        json!(ARRIVAL),
        json!(ARRIVAL as f64 + 0.5),
        json!(ARRIVAL.to_string()),
    ] {
        let ev = json!({"records": [{"recordId": "a", "approximateArrivalTimestamp": arrival,
            "data": B64.encode_to_string(line("01/Jan/2020:00:00:00 +0000", "/"))}]});
        let (out, _) = transform(config(&[]), &serde_json::to_vec(&ev).unwrap());
        // An event from 2020 arriving in 2026 is caught by the guard only if arrival was read.
        assert_eq!(records(&out)[0]["result"], "ProcessingFailed", "{arrival}");
    }
}

#[test]
fn extreme_arrival_times_and_years_fail_records_without_panicking() {
    for arrival in [
        json!(i64::MIN),
        json!(i64::MAX),
        json!(-1e300),
        json!(1e300),
    ] {
        let ev = json!({"records": [{"recordId": "a", "approximateArrivalTimestamp": arrival,
            "data": B64.encode_to_string(line("22/Nov/2026:10:00:00 +0000", "/"))}]});
        let (out, _) = transform(config(&[]), &serde_json::to_vec(&ev).unwrap());
        assert_eq!(records(&out)[0]["result"], "ProcessingFailed", "{arrival}");
    }
    // 9999-12-31 20:00 UTC is year 10000 in KST: no four-digit partition key exists for it.
    let ev = event(&[("a", line("31/Dec/9999:20:00:00 +0000", "/"))]);
    let (out, summary) = transform(config(&[("TIME_GUARD", "off")]), &ev);
    assert_eq!(records(&out)[0]["result"], "ProcessingFailed");
    assert_eq!(summary.failed.get("invalid_timestamp"), Some(&1));
}

#[test]
fn a_record_smaller_as_ok_than_as_failed_is_never_failed_for_size() {
    // Fluent Bit records with bulky extra members shrink when parsed: failing them would only
    // make the response larger.
    let bulky = |i: usize| {
        let mut d = json!({"log": String::from_utf8(line("22/Nov/2026:10:00:00 +0000", &format!("/{i}"))).unwrap(),
            "extra": "x".repeat(2000)}).to_string().into_bytes();
        d.push(b'\n');
        d
    };
    let recs: Vec<(String, Vec<u8>)> = (0..10).map(|i| (format!("id-{i}"), bulky(i))).collect();
    let borrowed: Vec<(&str, Vec<u8>)> =
        recs.iter().map(|(i, d)| (i.as_str(), d.clone())).collect();
    // A budget below even the all-failed response.
    let (out, summary) = transform(
        config(&[("RESPONSE_BUDGET_BYTES", "5000")]),
        &event(&borrowed),
    );
    assert_eq!(summary.ok, 10, "{}", String::from_utf8_lossy(&out));
}

#[test]
fn an_unreadable_event_is_an_error_not_a_guess() {
    let t = Transformer::new(config(&[]));
    for bad in [
        &b"not json"[..],
        br#"{"invocationId":"x"}"#,
        br#"{"records":[{"data":"eA=="}]}"#,
    ] {
        let e = t
            .transform(bad, &mut Vec::new(), &mut Buffers::default())
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("not a Firehose transformation event"),
            "{e}"
        );
    }
}

#[test]
fn a_record_whose_data_is_not_even_utf8_fails_alone() {
    // Bytes that are not UTF-8 inside one record's `data` string: that record cannot be
    // base64, so it fails by itself; its neighbours are unaffected and the response stays JSON.
    let good = B64.encode_to_string(line("22/Nov/2026:10:00:00 +0000", "/ok"));
    let mut ev = event_raw(vec![
        ("bad".into(), "QUJD_MARK_".into()),
        ("good".into(), good),
    ]);
    let at = ev.windows(10).position(|w| w == b"QUJD_MARK_").unwrap();
    ev[at + 4..at + 10].copy_from_slice(b"\xff\xfe\xc3(\x80\x80");
    let (out, summary) = transform(config(&[]), &ev);
    let recs = records(&out);
    assert_eq!(recs[0]["recordId"], "bad");
    assert_eq!(recs[0]["result"], "ProcessingFailed");
    assert_eq!(
        recs[0]["data"], "QUJD\u{fffd}\u{fffd}\u{fffd}(\u{fffd}\u{fffd}",
        "echoed as close to the input as JSON text allows"
    );
    assert_eq!(recs[1]["result"], "Ok");
    assert_eq!(summary.failures[0].reason.code(), "invalid_base64");
    assert_eq!(summary.response_bytes as usize, out.len());
}
