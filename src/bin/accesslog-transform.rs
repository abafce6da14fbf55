//! The Firehose data-transformation Lambda.
//!
//! Configuration is read and checked before the runtime starts, so a bad environment variable
//! fails the cold start with a message naming the variable, not the first batch. Each
//! invocation prints one JSON line (counts, failed record ids, CloudWatch EMF metrics).
//!
//! The Runtime API is driven with `lambda_runtime`'s own API client
//! (`lambda_runtime_api_client`), and the event and the response stay bytes from the socket to
//! the transform and back. `lambda_runtime`'s handler path would parse the whole event into a
//! JSON value and copy it before the transform's own reader saw it, and validate and copy the
//! response the transform had just written; its invocation loop would also gather each event
//! into a fresh buffer. Here the body is collected with `http-body-util`, which hands back an
//! event that hyper read in one piece as it lies and copies one that came in several pieces once.
//!
//! Freed memory is kept by the process (glibc's `mallopt`). The event is still in use when hyper
//! reads on, so hyper takes a new read buffer for every event, and the response buffer (and a
//! gathered event) is new for every invocation too; with glibc's defaults the heap was trimmed
//! and grown again each time, and their pages were faulted in anew (up to about 30 faults per
//! warm 0.25 MB invocation).

use std::time::Instant;

use accesslog::config::Config;
use accesslog::firehose::{response_buffer, Buffers, Transformer};
use accesslog::metrics::invocation_line;
use http_body_util::BodyExt;
use lambda_runtime::{Diagnostic, Error};
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{build_request, BoxError, PooledClient};

/// Runtime API headers: the invocation's id (in the answer's path), the id the answer must echo
/// so a late answer to a timed-out invocation is not taken for the current one's, and the X-Ray
/// trace id, which Lambda's libraries read from `_X_AMZN_TRACE_ID`.
const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
const TRACE_ID: &str = "lambda-runtime-trace-id";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("accesslog-transform: {e}");
            return Err(e.into());
        }
    };
    let transformer = Transformer::new(config);
    keep_freed_memory();
    let function =
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "accesslog-transform".into());
    // One connection waits for events, the other carries the answers.
    let events = PooledClient::builder().with_pool_size(1).build();
    let answers = PooledClient::builder().with_pool_size(1).build();
    // Kept between the invocations of a warm instance, which come one at a time.
    let mut buffers = Buffers::default();
    loop {
        let next = build_request()
            .method("GET")
            .uri("/2018-06-01/runtime/invocation/next")
            .body(Body::empty())?;
        let (head, body) = events.call(next).await?.into_parts();
        // A 0.25 MB event mostly arrives as one frame, which `to_bytes` returns without a copy:
        // copying it cost about a tenth of a small invocation's time.
        let event = body.collect().await?.to_bytes();
        let request_id = head
            .headers
            .get(REQUEST_ID)
            .ok_or("the Runtime API sent an event without a request id")?
            .to_str()?;
        match head.headers.get(TRACE_ID).map(|v| v.to_str()) {
            Some(Ok(trace)) => std::env::set_var("_X_AMZN_TRACE_ID", trace),
            _ => std::env::remove_var("_X_AMZN_TRACE_ID"),
        }

        let started = Instant::now();
        let mut out = response_buffer(event.len());
        let (path, answer, log) = match transformer.transform(&event, &mut out, &mut buffers) {
            Ok(summary) => {
                // DurationMs: from the event's bytes to the response's bytes, ready to send.
                let elapsed = started.elapsed().as_secs_f64() * 1000.0;
                let now = chrono::Utc::now().timestamp_millis();
                ("response", Body::from(out), Some((summary, elapsed, now)))
            }
            Err(e) => {
                eprintln!("accesslog-transform: {e}");
                let diagnostic = Diagnostic {
                    error_type: "InvalidEvent".into(),
                    error_message: e.to_string(),
                };
                let json = serde_json::to_vec(&diagnostic).expect("two strings serialize");
                ("error", Body::from(json), None)
            }
        };
        let mut post = build_request().method("POST").uri(format!(
            "/2018-06-01/runtime/invocation/{request_id}/{path}"
        ));
        if path == "error" {
            post = post.header("lambda-runtime-function-error-type", "InvalidEvent");
        }
        if let Some(id) = head.headers.get(INVOCATION_ID) {
            post = post.header(INVOCATION_ID, id);
        }
        let request = post.body(answer)?;
        let posted = async {
            let reply = answers.call(request).await?;
            let status = reply.status();
            // Read to the end, so the connection goes back to the pool for the next answer.
            let body = reply.into_body().collect().await?.to_bytes();
            if !status.is_success() {
                // The function goes on to the next invocation, as lambda_runtime's loop does.
                eprintln!(
                    "accesslog-transform: the Runtime API answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            Ok::<(), BoxError>(())
        }
        .await;
        // The log line is written once the response is on its way, not before.
        if let Some((summary, elapsed, now)) = log {
            println!("{}", invocation_line(&summary, &function, elapsed, now));
        }
        posted?;
    }
}

/// Keeps freed memory in the process instead of returning it to the kernel, so a warm instance
/// reuses pages that are already mapped. Lambda runs one invocation at a time and the largest
/// buffers are bounded by the 6 MB payload limit, so the heap stays near one invocation's peak;
/// allocations up to 32 MiB come from the heap instead of their own mappings.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets glibc allocator parameters (under glibc's own lock); the
    // current-thread runtime has started no other thread, and a refused value leaves glibc's
    // default in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}
