//! The invocation log line: one JSON object per invocation that is both a structured log (counts,
//! the first failed record ids with their reasons) and a CloudWatch Embedded Metric Format
//! document, so the counters appear as metrics without any API call.

use serde_json::{json, Map, Value};

use crate::firehose::Summary;

/// Metric namespace in CloudWatch.
pub const NAMESPACE: &str = "accesslog";

/// Builds the invocation log line (without a trailing newline).
pub fn invocation_line(s: &Summary, function_name: &str, duration_ms: f64, now_ms: i64) -> String {
    let mut metrics = vec![
        json!({"Name": "RecordsIn", "Unit": "Count"}),
        json!({"Name": "RecordsOk", "Unit": "Count"}),
        json!({"Name": "RecordsDropped", "Unit": "Count"}),
        json!({"Name": "RecordsFailed", "Unit": "Count"}),
        json!({"Name": "ResponseBytes", "Unit": "Bytes"}),
        json!({"Name": "DurationMs", "Unit": "Milliseconds"}),
    ];
    let mut doc = Map::new();
    doc.insert("FunctionName".into(), function_name.into());
    doc.insert(
        "level".into(),
        if s.failed.contains_key("response_budget") {
            "warn"
        } else {
            "info"
        }
        .into(),
    );
    doc.insert("message".into(), "firehose invocation".into());
    doc.insert("invocationId".into(), s.invocation_id.clone().into());
    doc.insert("RecordsIn".into(), s.records_in.into());
    doc.insert("RecordsOk".into(), s.ok.into());
    doc.insert("RecordsDropped".into(), s.dropped.into());
    doc.insert("RecordsFailed".into(), s.failed_total().into());
    doc.insert("LinesOk".into(), s.lines_ok.into());
    doc.insert("ResponseBytes".into(), s.response_bytes.into());
    doc.insert(
        "DurationMs".into(),
        json!((duration_ms * 1000.0).round() / 1000.0),
    );
    for (reason, n) in &s.failed {
        let name = format!("RecordsFailed_{reason}");
        metrics.push(json!({"Name": name, "Unit": "Count"}));
        doc.insert(name, (*n).into());
    }
    if s.failed.contains_key("response_budget") {
        doc.insert(
            "warning".into(),
            "the response reached RESPONSE_BUDGET_BYTES and records were returned as ProcessingFailed; \
             lower the Firehose processor's BufferSizeInMBs"
                .into(),
        );
    }
    doc.insert(
        "failures".into(),
        Value::Array(
            s.failures
                .iter()
                .map(|f| json!({"recordId": f.record_id, "reason": f.reason.code(), "detail": f.reason.to_string()}))
                .collect(),
        ),
    );
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["FunctionName"]],
                "Metrics": metrics,
            }]
        }),
    );
    Value::Object(doc).to_string()
}
