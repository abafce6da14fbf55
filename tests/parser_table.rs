//! The parser's test table: real-world lines and the record each must give.
//!
//! Lines come from the servers' documentation (Apache mod_log_config, nginx log_format, werkzeug)
//! and from public bug reports against other parsers (Vector VRL `parse_apache_log`, Logstash
//! grok `COMBINEDAPACHELOG`, Fluent Bit `apache2`, the AWS Firehose blueprint): the classes the
//! notes name. The expected records are written by hand from those documents, with SOURCE_TZ =
//! Asia/Seoul; the times are the logged times converted to UTC.

use accesslog::error::ParseError;
use accesslog::input::{LineDecoder, LineScratch};
use accesslog::json::write_record;
use accesslog::parser::Parser;
use accesslog::time::Zone;
use serde_json::Value;

mod common;

fn decoder() -> LineDecoder {
    LineDecoder::new(Parser::new(Zone::named("Asia/Seoul").unwrap()), "log")
}

fn parse(line: &[u8]) -> Result<Value, ParseError> {
    let bytes = line.to_vec();
    let mut scratch = LineScratch::default();
    let rec = decoder().decode(&bytes, &mut scratch)?;
    let mut out = Vec::new();
    write_record(&mut out, &rec, &mut Vec::new());
    Ok(serde_json::from_slice(&out).expect("the writer emits valid JSON"))
}

/// (what the row shows, the line, the expected record)
const OK: &[(&str, &[u8], &str)] = &[
    (
        "Apache docs combined example",
        br#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#,
        r#"{"ts":"2000-10-10 20:55:36.000","remote_host":"127.0.0.1","remote_user":"frank","method":"GET","path":"/apache_pb.gif","protocol":"HTTP/1.0","status":200,"bytes":2326,"referrer":"http://www.example.com/start.html","user_agent":"Mozilla/4.08 [en] (Win98; I ;Nav)","log_format":"combined"}"#,
    ),
    (
        "Apache docs common example",
        br#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
        r#"{"ts":"2000-10-10 20:55:36.000","remote_host":"127.0.0.1","remote_user":"frank","method":"GET","path":"/apache_pb.gif","protocol":"HTTP/1.0","status":200,"bytes":2326,"log_format":"common"}"#,
    ),
    (
        "IPv6 client (rejected by the Firehose blueprint's [\\d.]+)",
        br#"2001:db8::1 - - [22/Nov/2026:23:30:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.68.0""#,
        r#"{"ts":"2026-11-22 23:30:00.000","remote_host":"2001:db8::1","method":"GET","path":"/","protocol":"HTTP/1.1","status":200,"bytes":612,"user_agent":"curl/7.68.0","log_format":"combined"}"#,
    ),
    (
        "host name client (HostnameLookups On)",
        br#"crawl-66-249-73-135.googlebot.com - - [17/May/2015:10:05:03 +0000] "GET /robots.txt HTTP/1.1" 200 - "-" "Googlebot/2.1""#,
        r#"{"ts":"2015-05-17 10:05:03.000","remote_host":"crawl-66-249-73-135.googlebot.com","method":"GET","path":"/robots.txt","protocol":"HTTP/1.1","status":200,"user_agent":"Googlebot/2.1","log_format":"combined"}"#,
    ),
    (
        "Apache request timeout: request, size, referrer and agent all -",
        br#"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "-" 408 - "-" "-""#,
        r#"{"ts":"2000-10-10 20:55:36.000","remote_host":"192.0.2.1","request":"-","status":408,"log_format":"combined"}"#,
    ),
    (
        "status logged as -",
        br#"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" - -"#,
        r#"{"ts":"2000-10-10 20:55:36.000","remote_host":"192.0.2.1","method":"GET","path":"/","protocol":"HTTP/1.1","log_format":"common"}"#,
    ),
    (
        "Apache escapes quotes in the user agent with a backslash (VRL splits it wrongly)",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET /a HTTP/1.1" 200 10 "-" "Mozilla/5.0 \"evil\" agent\\""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/a","protocol":"HTTP/1.1","status":200,"bytes":10,"user_agent":"Mozilla/5.0 \"evil\" agent\\","log_format":"combined"}"#,
    ),
    (
        "nginx escapes quotes and non-ASCII as \\xHH",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET /caf\xC3\xA9 HTTP/1.1" 200 10 "-" "UA \x22quoted\x22""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/café","protocol":"HTTP/1.1","status":200,"bytes":10,"user_agent":"UA \"quoted\"","log_format":"combined"}"#,
    ),
    (
        "TLS handshake on the HTTP port (nginx): kept verbatim, as logged",
        br#"198.51.100.7 - - [22/Nov/2026:10:00:00 +0900] "\x16\x03\x01\x00\xF1\x01" 400 157 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"198.51.100.7","request":"\\x16\\x03\\x01\\x00\\xF1\\x01","status":400,"bytes":157,"log_format":"combined"}"#,
    ),
    (
        "empty request (client connected and sent nothing)",
        br#"198.51.100.7 - - [22/Nov/2026:10:00:00 +0900] "" 400 0 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"198.51.100.7","request":"","status":400,"bytes":0,"log_format":"combined"}"#,
    ),
    (
        "binary probe with spaces",
        br#"198.51.100.7 - - [22/Nov/2026:10:00:00 +0900] "\x05\x01\x00 foo bar" 400 0 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"198.51.100.7","request":"\\x05\\x01\\x00 foo bar","status":400,"bytes":0,"log_format":"combined"}"#,
    ),
    (
        "trailing space inside the request (breaks grok COMBINEDAPACHELOG)",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET /index.html HTTP/1.1 " 200 10 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/index.html","protocol":"HTTP/1.1","status":200,"bytes":10,"log_format":"combined"}"#,
    ),
    (
        "space in the target from a server that does not escape: method, target and protocol still split",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET /index.php?x=a b HTTP/1.1" 400 10 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/index.php","query":"x=a b","protocol":"HTTP/1.1","status":400,"bytes":10,"log_format":"combined"}"#,
    ),
    (
        "spaces in the target without a protocol: no way to tell the target's end, kept verbatim",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET /a b" 400 10 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","request":"GET /a b","status":400,"bytes":10,"log_format":"combined"}"#,
    ),
    (
        "elastic/beats filebeat/module/nginx/access/test/test.log: an address list as the client",
        br#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:49.0) Gecko/20100101 Firefox/49.0""#,
        r#"{"ts":"2016-12-07 10:05:07.000","remote_host":"10.0.0.2","method":"GET","path":"/ocelot","protocol":"HTTP/1.1","status":200,"bytes":571,"user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:49.0) Gecko/20100101 Firefox/49.0","forwarded_for":"10.0.0.2, 10.0.0.1, 127.0.0.1","log_format":"combined"}"#,
    ),
    (
        "elastic/beats filebeat/module/nginx/access/test/test.log: a quoted list before the client",
        br#""10.5.102.222, 199.96.1.1, 204.246.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /assets/xxxx?q=100 HTTP/1.1" 200 25507 "-" "Amazon CloudFront""#,
        r#"{"ts":"2016-01-22 13:18:29.000","remote_host":"10.5.102.222","method":"GET","path":"/assets/xxxx","query":"q=100","protocol":"HTTP/1.1","status":200,"bytes":25507,"user_agent":"Amazon CloudFront","forwarded_for":"\"10.5.102.222, 199.96.1.1, 204.246.1.1\" 10.2.1.185","log_format":"combined"}"#,
    ),
    (
        "elastic/beats filebeat/module/nginx/access/test/test.log: a list, then the client one space away",
        br#"2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121 - - [30/Dec/2016:06:47:09 +0000] "GET /test.html HTTP/1.1" 404 8571 "-" "Mozilla/5.0 (compatible; Facebot 1.0; https://developers.facebook.com/docs/sharing/webmasters/crawler)""#,
        r#"{"ts":"2016-12-30 06:47:09.000","remote_host":"2a03:0000:10ff:f00f:0000:0000:0:8000","method":"GET","path":"/test.html","protocol":"HTTP/1.1","status":404,"bytes":8571,"user_agent":"Mozilla/5.0 (compatible; Facebot 1.0; https://developers.facebook.com/docs/sharing/webmasters/crawler)","forwarded_for":"2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121","log_format":"combined"}"#,
    ),
    (
        "elastic/beats filebeat/module/nginx/access/test/test-with-host.log: $host $remote_addr, nginx main",
        br#"example.com 172.17.0.1 - - [29/May/2017:19:02:48 +0000] "GET /stringpatch HTTP/1.1" 404 612 "-" "Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2" "-""#,
        r#"{"ts":"2017-05-29 19:02:48.000","remote_host":"172.17.0.1","method":"GET","path":"/stringpatch","protocol":"HTTP/1.1","status":404,"bytes":612,"user_agent":"Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2","vhost":"example.com","log_format":"vhost_combined"}"#,
    ),
    (
        "elastic/beats filebeat/module/nginx/access/test/test-with-host.log: a host, then an address list",
        br#"example.com 10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:49.0) Gecko/20100101 Firefox/49.0""#,
        r#"{"ts":"2016-12-07 10:05:07.000","remote_host":"10.0.0.2","method":"GET","path":"/ocelot","protocol":"HTTP/1.1","status":200,"bytes":571,"user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:49.0) Gecko/20100101 Firefox/49.0","forwarded_for":"10.0.0.2, 10.0.0.1, 127.0.0.1","vhost":"example.com","log_format":"vhost_combined"}"#,
    ),
    (
        "elastic/beats filebeat/module/nginx/access/test/test-with-host.log: host:port, then a quoted list and the client",
        br#"example.com:80 "10.5.102.222, 175.16.199.1, 204.246.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /assets/xxxx?q=100 HTTP/1.1" 200 25507 "-" "Amazon CloudFront""#,
        r#"{"ts":"2016-01-22 13:18:29.000","remote_host":"10.5.102.222","method":"GET","path":"/assets/xxxx","query":"q=100","protocol":"HTTP/1.1","status":200,"bytes":25507,"user_agent":"Amazon CloudFront","forwarded_for":"\"10.5.102.222, 175.16.199.1, 204.246.1.1\" 10.2.1.185","vhost":"example.com:80","log_format":"vhost_combined"}"#,
    ),
    (
        "elastic/beats filebeat/module/nginx/access/test/test-with-host.log: an address as the host, then a list and the client",
        br#"1.128.3.4 2a02:cf40:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121 - - [30/Dec/2016:06:47:09 +0000] "GET /test.html HTTP/1.1" 404 8571 "-" "Mozilla/5.0 (compatible; Facebot 1.0; https://developers.facebook.com/docs/sharing/webmasters/crawler)""#,
        r#"{"ts":"2016-12-30 06:47:09.000","remote_host":"2a02:cf40:10ff:f00f:0000:0000:0:8000","method":"GET","path":"/test.html","protocol":"HTTP/1.1","status":404,"bytes":8571,"user_agent":"Mozilla/5.0 (compatible; Facebot 1.0; https://developers.facebook.com/docs/sharing/webmasters/crawler)","forwarded_for":"2a02:cf40:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121","vhost":"1.128.3.4","log_format":"vhost_combined"}"#,
    ),
    (
        "elastic/beats filebeat/module/nginx/access/test/test-with-host.log: a unix-socket client",
        br#"example.com:80 unix: - - [26/Feb/2019:15:39:42 +0100] "hello" 400 173 "-" "-""#,
        r#"{"ts":"2019-02-26 14:39:42.000","remote_host":"unix:","request":"hello","status":400,"bytes":173,"vhost":"example.com:80","log_format":"vhost_combined"}"#,
    ),
    (
        "elastic/integrations packages/nginx/data_stream/access/_dev/test/pipeline/test-access.log: Apache %v %h without a port",
        br#"lessons.example.com 192.168.0.1 - - [09/Jun/2020:12:10:39 -0700] "GET /A%20Beka%20G1%20Howe/029_AND_30/15%20reading%20elephants.mp4 HTTP/1.1" 206 7648063 "http://lessons.example.com/A%20Beka%20G1%20Howe/029_AND_30/15%20reading%20elephants.mp4" "Mozilla/5.0 (Linux; Android 5.1.1; KFFOWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/81.2.16 like Chrome/81.0.4044.138 Safari/537.36""#,
        r#"{"ts":"2020-06-09 19:10:39.000","remote_host":"192.168.0.1","method":"GET","path":"/A%20Beka%20G1%20Howe/029_AND_30/15%20reading%20elephants.mp4","protocol":"HTTP/1.1","status":206,"bytes":7648063,"referrer":"http://lessons.example.com/A%20Beka%20G1%20Howe/029_AND_30/15%20reading%20elephants.mp4","user_agent":"Mozilla/5.0 (Linux; Android 5.1.1; KFFOWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/81.2.16 like Chrome/81.0.4044.138 Safari/537.36","vhost":"lessons.example.com","log_format":"vhost_combined"}"#,
    ),
    (
        "absolute-form target (proxy request) with a query",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET http://example.com/x?y=1&z HTTP/1.1" 200 10 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"http://example.com/x","query":"y=1&z","protocol":"HTTP/1.1","status":200,"bytes":10,"log_format":"combined"}"#,
    ),
    (
        "authority-form CONNECT",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "CONNECT example.com:443 HTTP/1.1" 200 0 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"CONNECT","path":"example.com:443","protocol":"HTTP/1.1","status":200,"bytes":0,"log_format":"combined"}"#,
    ),
    (
        "HTTP/0.9 request line without a protocol, and an empty query",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET /a?" 200 10"#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/a","query":"","status":200,"bytes":10,"log_format":"common"}"#,
    ),
    (
        "HTTP/2.0 and a query holding a second ?",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "POST /s?q=a?b HTTP/2.0" 201 10 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"POST","path":"/s","query":"q=a?b","protocol":"HTTP/2.0","status":201,"bytes":10,"log_format":"combined"}"#,
    ),
    (
        "Apache writes an empty user as \"\" and an empty referrer stays an empty string",
        br#"10.0.0.1 - "" [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 401 10 "" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","remote_user":"","method":"GET","path":"/","protocol":"HTTP/1.1","status":401,"bytes":10,"referrer":"","log_format":"combined"}"#,
    ),
    (
        "nginx main with X-Forwarded-For",
        br#"10.0.1.5 - - [22/Nov/2026:10:00:00 +0900] "GET /api HTTP/1.1" 200 99 "-" "curl/8.5.0" "203.0.113.1, 10.0.0.2""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.1.5","method":"GET","path":"/api","protocol":"HTTP/1.1","status":200,"bytes":99,"user_agent":"curl/8.5.0","forwarded_for":"203.0.113.1, 10.0.0.2","log_format":"nginx_main"}"#,
    ),
    (
        "nginx main without X-Forwarded-For",
        br#"10.0.1.5 - alice [22/Nov/2026:10:00:00 +0900] "GET /api HTTP/1.1" 200 99 "-" "curl/8.5.0" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.1.5","remote_user":"alice","method":"GET","path":"/api","protocol":"HTTP/1.1","status":200,"bytes":99,"user_agent":"curl/8.5.0","log_format":"nginx_main"}"#,
    ),
    (
        "vhost_combined (VRL reads the vhost as the client, silently)",
        br#"www.example.com:443 192.0.2.5 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"192.0.2.5","method":"GET","path":"/","protocol":"HTTP/1.1","status":200,"bytes":512,"user_agent":"Mozilla/5.0","vhost":"www.example.com:443","log_format":"vhost_combined"}"#,
    ),
    (
        "werkzeug 2xx line: local time without offset, read in SOURCE_TZ",
        br#"127.0.0.1 - - [18/Dec/2015 19:11:47] "GET / HTTP/1.1" 200 -"#,
        r#"{"ts":"2015-12-18 10:11:47.000","remote_host":"127.0.0.1","method":"GET","path":"/","protocol":"HTTP/1.1","status":200,"log_format":"werkzeug","parse_warning":"zone_assumed"}"#,
    ),
    (
        "werkzeug 404 with ANSI colour codes around the request",
        b"127.0.0.1 - - [22/Nov/2026 10:00:00] \"\x1b[33mGET /missing HTTP/1.1\x1b[0m\" 404 -",
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"127.0.0.1","method":"GET","path":"/missing","protocol":"HTTP/1.1","status":404,"log_format":"werkzeug","parse_warning":"zone_assumed"}"#,
    ),
    (
        "werkzeug 500 through logging.basicConfig, bold red",
        b"INFO:werkzeug:127.0.0.1 - - [22/Nov/2026 10:00:00] \"\x1b[35m\x1b[1mGET /boom HTTP/1.1\x1b[0m\" 500 -",
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"127.0.0.1","method":"GET","path":"/boom","protocol":"HTTP/1.1","status":500,"log_format":"werkzeug","parse_warning":"zone_assumed"}"#,
    ),
    (
        "the app's own format (SPEC §6)",
        br#"203.0.113.9 - - [22/Nov/2026:19:15:32.118 +0900] "GET /api/items?page=2 HTTP/1.1" 200 512 "-" "curl/8.5.0" 3.412"#,
        r#"{"ts":"2026-11-22 10:15:32.118","remote_host":"203.0.113.9","method":"GET","path":"/api/items","query":"page=2","protocol":"HTTP/1.1","status":200,"bytes":512,"user_agent":"curl/8.5.0","duration_ms":3.412,"log_format":"app"}"#,
    ),
    (
        "app format, a whole-number duration",
        br#"203.0.113.9 - - [22/Nov/2026:19:15:32.000 +0900] "DELETE /api/items/7 HTTP/1.1" 204 0 "-" "python-requests/2.32" 12"#,
        r#"{"ts":"2026-11-22 10:15:32.000","remote_host":"203.0.113.9","method":"DELETE","path":"/api/items/7","protocol":"HTTP/1.1","status":204,"bytes":0,"user_agent":"python-requests/2.32","duration_ms":12.0,"log_format":"app"}"#,
    ),
    (
        "fractional seconds are kept to the millisecond (.44 is 440 ms)",
        br#"10.0.0.1 - - [22/Nov/2026:14:30:21.44 +0000] "GET / HTTP/1.1" 200 1"#,
        r#"{"ts":"2026-11-22 14:30:21.440","remote_host":"10.0.0.1","method":"GET","path":"/","protocol":"HTTP/1.1","status":200,"bytes":1,"log_format":"common"}"#,
    ),
    (
        "half-hour offset",
        br#"10.0.0.1 - - [22/Nov/2026:05:00:00 +0530] "GET / HTTP/1.1" 200 1"#,
        r#"{"ts":"2026-11-21 23:30:00.000","remote_host":"10.0.0.1","method":"GET","path":"/","protocol":"HTTP/1.1","status":200,"bytes":1,"log_format":"common"}"#,
    ),
    (
        "bytes that are not UTF-8 become U+FFFD, the line is kept",
        b"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] \"GET /x HTTP/1.1\" 200 1 \"-\" \"Bad\xff\xfeAgent\"",
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/x","protocol":"HTTP/1.1","status":200,"bytes":1,"user_agent":"Bad��Agent","log_format":"combined"}"#,
    ),
    (
        "a truncated write (the corpus' line 8899): kept, flagged, nothing guessed after the cut",
        br#"46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /scripts/grok-py-test/configlib.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html"#,
        r#"{"ts":"2015-05-20 12:05:17.000","remote_host":"46.118.127.106","method":"GET","path":"/scripts/grok-py-test/configlib.py","protocol":"HTTP/1.1","status":200,"bytes":235,"user_agent":"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html","log_format":"combined","parse_warning":"truncated"}"#,
    ),
    (
        "cut right after the referrer: the user agent is absent, not an empty string",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 5 "http://a/""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/","protocol":"HTTP/1.1","status":200,"bytes":5,"referrer":"http://a/","log_format":"combined","parse_warning":"truncated"}"#,
    ),
    (
        "cut inside the request: the partial request is kept verbatim",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET /very/long/pa"#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","request":"GET /very/long/pa","log_format":"common","parse_warning":"truncated"}"#,
    ),
    (
        "gunicorn does not escape: a bare quote inside the user agent",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 "quoted" thing""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/","protocol":"HTTP/1.1","status":200,"bytes":1,"user_agent":"Mozilla/5.0 \"quoted\" thing","log_format":"combined","parse_warning":"ambiguous_quotes"}"#,
    ),
    (
        "gunicorn does not escape: a bare quote inside the request",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET /search?q="x" HTTP/1.1" 200 1 "-" "-""#,
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/search","query":"q=\"x\"","protocol":"HTTP/1.1","status":200,"bytes":1,"log_format":"combined","parse_warning":"ambiguous_quotes"}"#,
    ),
    (
        "CRLF line ending and surrounding whitespace",
        b"  10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] \"GET / HTTP/1.1\" 200 1\r\n",
        r#"{"ts":"2026-11-22 01:00:00.000","remote_host":"10.0.0.1","method":"GET","path":"/","protocol":"HTTP/1.1","status":200,"bytes":1,"log_format":"common"}"#,
    ),
    (
        "Fluent Bit record: the line under log, the instance id from the aws filter",
        br#"{"log":"203.0.113.9 - - [22/Nov/2026:19:15:32.118 +0900] \"GET /health HTTP/1.1\" 200 2 \"-\" \"ELB-HealthChecker/2.0\" 0.4","ec2_instance_id":"i-0123456789abcdef0"}"#,
        r#"{"ts":"2026-11-22 10:15:32.118","remote_host":"203.0.113.9","method":"GET","path":"/health","protocol":"HTTP/1.1","status":200,"bytes":2,"user_agent":"ELB-HealthChecker/2.0","duration_ms":0.4,"instance_id":"i-0123456789abcdef0","log_format":"app"}"#,
    ),
];

const DURATION_OVERFLOW: &[u8] = concat!(
    r#"10.0.0.1 - - [22/Nov/2026:10:00:00.000 +0900] "GET / HTTP/1.1" 200 1 "-" "ua" "#,
    "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
    "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
    "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
    "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999"
)
.as_bytes();

/// (what the row shows, the line, the reason)
const FAILED: &[(&str, &[u8], ParseError)] = &[
    ("garbage", b"hello world", ParseError::NoTimestamp),
    (
        "a user name with a space: never read as a user with a space in it",
        br#"10.0.0.1 - john smith [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1"#,
        ParseError::ClientFields,
    ),
    (
        "a quote in the host",
        br#"10.0.0.1" - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1"#,
        ParseError::ClientFields,
    ),
    (
        "five words before the timestamp that are no host, list or vhost",
        br#"web 1 10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1"#,
        ParseError::ClientFields,
    ),
    (
        "an address list and an X-Forwarded-For at the end: two values for one column",
        br#"10.0.0.2, 10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1 "-" "ua" "203.0.113.1""#,
        ParseError::ClientFields,
    ),
    ("whitespace only", b"  \t ", ParseError::Empty),
    (
        "31 February",
        br#"10.0.0.1 - - [31/Feb/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1"#,
        ParseError::ImpossibleDate,
    ),
    (
        "hour 24",
        br#"10.0.0.1 - - [22/Nov/2026:24:00:00 +0900] "GET / HTTP/1.1" 200 1"#,
        ParseError::InvalidTimestamp,
    ),
    (
        "ISO timestamp in brackets: not a timestamp form we know",
        br#"10.0.0.1 - - [2026-11-22T10:00:00+09:00] "GET / HTTP/1.1" 200 1"#,
        ParseError::InvalidTimestamp,
    ),
    (
        "nothing after the timestamp",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900]"#,
        ParseError::MissingRequest,
    ),
    (
        "four-digit status",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 2000 1"#,
        ParseError::InvalidStatus,
    ),
    (
        "size that is not a number",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 12k"#,
        ParseError::InvalidSize,
    ),
    (
        "status without a size",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200"#,
        ParseError::InvalidSize,
    ),
    (
        "text after the user agent that no format has",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1 "-" "ua" extra"#,
        ParseError::TrailingData,
    ),
    (
        "text between the referrer and the user agent",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1 "ref" xUA""#,
        ParseError::TrailingData,
    ),
    (
        "a size beyond the bigint column",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 9999999999999999999"#,
        ParseError::InvalidSize,
    ),
    (
        "text after the size",
        br#"10.0.0.1 - - [22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1 extra"#,
        ParseError::TrailingData,
    ),
    (
        "no client fields before the timestamp",
        br#"[22/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 1"#,
        ParseError::NoTimestamp,
    ),
    (
        "JSON without the line",
        br#"{"level":"info","msg":"started"}"#,
        ParseError::MissingLogField,
    ),
    (
        "broken JSON",
        br#"{"log": "unterminated"#,
        ParseError::InvalidJson,
    ),
    (
        "a duration no double can hold (400 digits)",
        DURATION_OVERFLOW,
        ParseError::TrailingData,
    ),
];

#[test]
fn every_row_of_the_table_gives_its_record() {
    let mut failures = Vec::new();
    for (what, line, expected) in OK {
        let expected: Value = serde_json::from_str(expected).expect(what);
        match parse(line) {
            Ok(got) if got == expected => {}
            Ok(got) => failures.push(format!("{what}\n  expected {expected}\n  got      {got}")),
            Err(e) => failures.push(format!("{what}\n  expected {expected}\n  error    {e}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_row_gives_the_same_lake_row_directly_and_through_its_json() {
    let parsed = common::lake_paths_agree(OK.iter().map(|(_, line, _)| *line)).unwrap();
    assert_eq!(parsed, OK.len());
}

#[test]
fn every_bad_line_fails_with_its_reason() {
    let mut failures = Vec::new();
    for (what, line, reason) in FAILED {
        match parse(line) {
            Err(e) if e == *reason => {}
            other => failures.push(format!("{what}: expected {reason:?}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn keys_come_in_schema_order() {
    // The JSON writer and the schema list the columns in the same order (SPEC §3).
    let order: Vec<&str> = accesslog::schema::COLUMNS.iter().map(|c| c.name).collect();
    for (what, line, _) in OK {
        let text = {
            let b = line.to_vec();
            let mut s = LineScratch::default();
            let rec = decoder().decode(&b, &mut s).unwrap();
            let mut out = Vec::new();
            write_record(&mut out, &rec, &mut Vec::new());
            String::from_utf8(out).unwrap()
        };
        let keys = object_keys_in_order(&text);
        let mut positions = keys.iter().map(|k| {
            order
                .iter()
                .position(|c| c == k)
                .unwrap_or_else(|| panic!("{what}: key {k} is not a column"))
        });
        let mut last = positions.next().unwrap();
        for p in positions {
            assert!(p > last, "{what}: keys out of schema order: {text}");
            last = p;
        }
    }
}

/// The keys of a JSON object in the order they are written (serde_json's `Map` sorts them).
fn object_keys_in_order(text: &str) -> Vec<String> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some((k, _)) = m.next_entry::<String, serde::de::IgnoredAny>()? {
                keys.push(k);
            }
            Ok(keys)
        }
    }
    use serde::Deserializer;
    serde_json::Deserializer::from_str(text)
        .deserialize_map(Keys)
        .unwrap()
}
