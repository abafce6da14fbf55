"""Writes malformed-mix.json: a Firehose event of records `accesslog event` would never make
(bad base64, a record of two lines from different hours, ...), one for every outcome of the
transform. Run by make-events from this folder."""

import base64
import json
arrival = 1795341600000  # 2026-11-22T10:00:00Z
good = '203.0.113.9 - - [22/Nov/2026:19:00:00.000 +0900] "GET /api/items HTTP/1.1" 200 512 "-" "curl/8.5.0" 3.4'
records = [
    ("ok", good.encode()),
    ("whitespace-only", b"  \n\t\n"),
    ("garbage", b"this is not an access log line"),
    ("impossible-date", good.replace("22/Nov/2026", "31/Feb/2026").encode()),
    ("truncated-but-kept", b'203.0.113.9 - - [22/Nov/2026:19:00:01 +0900] "GET /api/items HTTP/1.1" 200 512 "-" "Mozilla/5.0 (compa'),
    ("json-without-log", json.dumps({"level": "info", "msg": "app started"}).encode() + b"\n"),
    ("invalid-base64", None),
    ("not-utf8-kept", good.replace("curl/8.5.0", "curl\udcff").encode("utf-8", "surrogateescape")),
    ("two-lines-two-hours", (good + "\n" + good.replace("19:00:00", "18:59:59")).encode()),
    ("too-old", good.replace("22/Nov/2026", "01/Nov/2026").encode()),
    ("from-the-future", good.replace("19:00:00", "21:00:00").encode()),
]
recs = []
for i, (name, data) in enumerate(records):
    recs.append({
        "recordId": f"{i:02d}-{name}",
        "approximateArrivalTimestamp": arrival,
        "data": base64.b64encode(data).decode() if data is not None else "%%% not base64 %%%",
        "kinesisRecordMetadata": {"shardId": "shardId-000000000000", "partitionKey": name,
            "approximateArrivalTimestamp": arrival, "sequenceNumber": f"4966{i:052d}", "subsequenceNumber": 0},
    })
event = {
    "invocationId": "00000000-0000-4000-8000-00000000bad0",
    "deliveryStreamArn": "arn:aws:firehose:ap-northeast-2:123456789012:deliverystream/accesslog",
    "sourceKinesisStreamArn": "arn:aws:kinesis:ap-northeast-2:123456789012:stream/wsi-log",
    "region": "ap-northeast-2",
    "records": recs,
}
with open("malformed-mix.json", "w") as f:
    json.dump(event, f, indent=2)
    f.write("\n")
