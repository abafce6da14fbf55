//! The Firehose data-transformation Lambda.
//!
//! Configuration is read and checked before the runtime starts, so a bad environment variable
//! fails the cold start with a message naming the variable, not the first batch. Each
//! invocation prints one JSON line (counts, failed record ids, CloudWatch EMF metrics).
//!
//! The Runtime API is driven with hyper's HTTP/1 client connections, and the event and the
//! response stay bytes from the socket to the transform and back. `lambda_runtime`'s handler
//! path would parse the whole event into a JSON value and copy it before the transform's own
//! reader saw it, and validate and copy the response the transform had just written; its
//! invocation loop would also gather each event into a fresh buffer, and its API client cost
//! more per request than a connection of hyper's own (docs/arm64.md). The body is collected
//! with `http-body-util`, which hands back an event that hyper read in one piece as it lies and
//! copies one that came in several pieces once.
//!
//! Freed memory is kept by the process (glibc's `mallopt`). The event is still in use when hyper
//! reads on, so hyper takes a new read buffer for every event, and the response buffer (and a
//! gathered event) is new for every invocation too; with glibc's defaults the heap was trimmed
//! and grown again each time, and their pages were faulted in anew (up to about 30 faults per
//! warm 0.25 MB invocation).

use std::process::ExitCode;
use std::time::Instant;

use accesslog::config::Config;
use accesslog::firehose::{response_buffer, Buffers, Transformer};
use accesslog::metrics::invocation_line;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1;
use hyper::header::{HeaderValue, HOST, USER_AGENT};
use hyper::{Request, Response, Uri};
use hyper_util::rt::TokioIo;

/// Runtime API headers: the invocation's id (in the answer's path), the id the answer must echo
/// so a late answer to a timed-out invocation is not taken for the current one's, and the X-Ray
/// trace id, which Lambda's libraries read from `_X_AMZN_TRACE_ID`.
const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
const TRACE_ID: &str = "lambda-runtime-trace-id";
const ERROR_TYPE: &str = "lambda-runtime-function-error-type";
/// The error type of an event that is not a Firehose transformation event.
const INVALID_EVENT: &str = "InvalidEvent";
const AGENT: &str = concat!("accesslog-transform/", env!("CARGO_PKG_VERSION"));
const API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Request and response bodies: one buffer each, sent as it is.
type Body = Full<Bytes>;

/// The body of an answer on the Runtime API's `/error` path.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Diagnostic<'a> {
    error_type: &'a str,
    error_message: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("accesslog-transform: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let transformer = Transformer::new(Config::from_env()?);
    let api = RuntimeApi::from_env()?;
    keep_freed_memory();
    let function =
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "accesslog-transform".into());
    // One connection waits for events, the other carries the answers. An event may be as large
    // as Lambda's 6 MB payload limit; hyper reads it in pieces of up to 1 MiB, as
    // lambda_runtime's client does.
    let mut events = Connection::open(&api, 1 << 20).await?;
    let mut answers = Connection::open(&api, 64 << 10).await?;
    let next: Uri = format!("{}/2018-06-01/runtime/invocation/next", api.base).parse()?;
    // Kept between the invocations of a warm instance, which come one at a time.
    let mut buffers = Buffers::default();
    loop {
        let request = Request::get(next.clone()).body(Body::default())?;
        let (head, body) = events.send(request).await?.into_parts();
        // A 0.25 MB event mostly arrives as one frame, which `to_bytes` returns without a copy:
        // copying it cost about a tenth of a small invocation's time.
        let event = body.collect().await?.to_bytes();
        if !head.status.is_success() {
            return Err(format!(
                "the Runtime API answered {} to the request for the next event: {}",
                head.status,
                String::from_utf8_lossy(&event)
            )
            .into());
        }
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
                (
                    "response",
                    Body::new(out.into()),
                    Some((summary, elapsed, now)),
                )
            }
            Err(e) => {
                eprintln!("accesslog-transform: {e}");
                let diagnostic = Diagnostic {
                    error_type: INVALID_EVENT,
                    error_message: e.to_string(),
                };
                let json = serde_json::to_vec(&diagnostic).expect("two strings serialize");
                ("error", Body::new(json.into()), None)
            }
        };
        let mut post = Request::post(format!(
            "{}/2018-06-01/runtime/invocation/{request_id}/{path}",
            api.base
        ));
        if path == "error" {
            post = post.header(ERROR_TYPE, INVALID_EVENT);
        }
        if let Some(id) = head.headers.get(INVOCATION_ID) {
            post = post.header(INVOCATION_ID, id);
        }
        let request = post.body(answer)?;
        let posted = async {
            let reply = answers.send(request).await?;
            let status = reply.status();
            // Read to the end, so the connection can carry the next answer.
            let body = reply.into_body().collect().await?.to_bytes();
            if !status.is_success() {
                // The function goes on to the next invocation, as lambda_runtime's loop does.
                eprintln!(
                    "accesslog-transform: the Runtime API answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            Ok::<(), Error>(())
        }
        .await;
        // The log line is written once the response is on its way, not before.
        if let Some((summary, elapsed, now)) = log {
            println!("{}", invocation_line(&summary, &function, elapsed, now));
        }
        posted?;
    }
}

/// Where the Runtime API listens. Lambda sets `AWS_LAMBDA_RUNTIME_API` to `host:port`; a URL
/// with a path, as `cargo lambda watch` sets it (`http://127.0.0.1:9000/.rt/<function>`), puts
/// that path in front of every request's.
struct RuntimeApi {
    /// `host:port`, to connect to.
    address: String,
    host: HeaderValue,
    /// In front of every request's path; no trailing `/`.
    base: String,
}

impl RuntimeApi {
    fn from_env() -> Result<Self, Error> {
        let value = std::env::var(API_VAR).map_err(|_| {
            format!(
                "{API_VAR} is not set: Lambda sets it; to run the function elsewhere, set it to a \
                 Runtime API's host:port (or an http:// URL, as `cargo lambda watch` does)"
            )
        })?;
        let bad = |why: &str| {
            format!(
                "{API_VAR}={value:?} {why}: give host:port, as Lambda sets it, or an http:// URL \
                 such as http://127.0.0.1:9000/.rt/accesslog-transform"
            )
        };
        let uri: Uri = value.parse().map_err(|_| bad("is not an address"))?;
        if uri.scheme_str().is_some_and(|s| s != "http") {
            return Err(bad("names a scheme other than http").into());
        }
        let authority = uri.authority().ok_or_else(|| bad("names no host"))?;
        Ok(Self {
            address: format!(
                "{}:{}",
                authority.host(),
                authority.port_u16().unwrap_or(80)
            ),
            host: HeaderValue::from_str(authority.as_str()).map_err(|_| bad("is not a host"))?,
            base: uri.path().trim_end_matches('/').to_string(),
        })
    }
}

/// One HTTP/1 connection to the Runtime API, opened again when the API has closed it.
/// (`tests/cli.rs` closes connections after some events and answers with `Connection: close`,
/// which the readiness check sees; the resend covers a close that comes while a request waits to
/// go out.)
struct Connection<'a> {
    api: &'a RuntimeApi,
    max_buf: usize,
    sender: http1::SendRequest<Body>,
}

impl<'a> Connection<'a> {
    async fn open(api: &'a RuntimeApi, max_buf: usize) -> Result<Self, Error> {
        Ok(Self {
            api,
            max_buf,
            sender: handshake(&api.address, max_buf).await?,
        })
    }

    /// Sends `request` (a path, no authority) and returns the response, whose body must be
    /// read to its end before the next request.
    async fn send(&mut self, mut request: Request<Body>) -> Result<Response<Incoming>, Error> {
        let headers = request.headers_mut();
        headers.insert(HOST, self.api.host.clone());
        headers.insert(USER_AGENT, HeaderValue::from_static(AGENT));
        if self.sender.ready().await.is_err() {
            self.sender = handshake(&self.api.address, self.max_buf).await?;
        }
        match self.sender.try_send_request(request).await {
            Ok(response) => Ok(response),
            // The API closed the connection before the request went out (it may close an idle
            // keep-alive connection at any time): send it once more on a new one.
            Err(mut e) => match e.take_message() {
                Some(request) => {
                    self.sender = handshake(&self.api.address, self.max_buf).await?;
                    Ok(self.sender.send_request(request).await?)
                }
                None => Err(e.into_error().into()),
            },
        }
    }
}

async fn handshake(address: &str, max_buf: usize) -> Result<http1::SendRequest<Body>, Error> {
    let stream = tokio::net::TcpStream::connect(address).await.map_err(|e| {
        format!(
            "cannot connect to the Runtime API at {address}: {e}; {API_VAR} must name a \
             listening Runtime API"
        )
    })?;
    let (sender, conn) = http1::Builder::new()
        .max_buf_size(max_buf)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("the HTTP/1 connection to the Runtime API at {address}: {e}"))?;
    tokio::spawn(async move {
        // A connection that fails is seen by the request on it, which ends the function.
        let _ = conn.await;
    });
    Ok(sender)
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
