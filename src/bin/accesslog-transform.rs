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
//! invocation loop would also gather each event into a fresh buffer. Its API client (hyper's
//! pooled client behind a boxed future, with the request's address rewritten for every call)
//! added 10–20 µs to each 0.25 MB invocation over a connection of hyper's own. The body is
//! collected with `http-body-util`, which hands back an event that hyper read in one piece as
//! it lies and copies one that came in several pieces once.
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
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use lambda_runtime::{Diagnostic, Error};

/// Runtime API headers: the invocation's id (in the answer's path), the id the answer must echo
/// so a late answer to a timed-out invocation is not taken for the current one's, and the X-Ray
/// trace id, which Lambda's libraries read from `_X_AMZN_TRACE_ID`.
const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
const TRACE_ID: &str = "lambda-runtime-trace-id";
const USER_AGENT: &str = concat!("accesslog-transform/", env!("CARGO_PKG_VERSION"));

/// Request and response bodies: one buffer each, sent as it is.
type Body = Full<Bytes>;

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
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(|_| {
        "AWS_LAMBDA_RUNTIME_API is not set: Lambda sets it; to run the function elsewhere, \
         point it at a Runtime API (host:port)"
    })?;
    // One connection waits for events, the other carries the answers. An event may be as large
    // as Lambda's 6 MB payload limit; hyper reads it in pieces of up to 1 MiB, as
    // lambda_runtime's client does.
    let mut events = Connection::open(&api, 1 << 20).await?;
    let mut answers = Connection::open(&api, 64 << 10).await?;
    // Kept between the invocations of a warm instance, which come one at a time.
    let mut buffers = Buffers::default();
    loop {
        let next = Request::get("/2018-06-01/runtime/invocation/next").body(Body::default())?;
        let (head, body) = events.send(next).await?.into_parts();
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
                (
                    "response",
                    Body::new(out.into()),
                    Some((summary, elapsed, now)),
                )
            }
            Err(e) => {
                eprintln!("accesslog-transform: {e}");
                let diagnostic = Diagnostic {
                    error_type: "InvalidEvent".into(),
                    error_message: e.to_string(),
                };
                let json = serde_json::to_vec(&diagnostic).expect("two strings serialize");
                ("error", Body::new(json.into()), None)
            }
        };
        let mut post = Request::post(format!(
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
            let reply = answers.send(request).await?;
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

/// One HTTP/1 connection to the Runtime API, opened again when the API has closed it.
struct Connection {
    api: String,
    max_buf: usize,
    sender: http1::SendRequest<Body>,
}

impl Connection {
    async fn open(api: &str, max_buf: usize) -> Result<Self, Error> {
        let sender = Self::handshake(api, max_buf).await?;
        Ok(Self {
            api: api.to_string(),
            max_buf,
            sender,
        })
    }

    async fn handshake(api: &str, max_buf: usize) -> Result<http1::SendRequest<Body>, Error> {
        let stream = tokio::net::TcpStream::connect(api)
            .await
            .map_err(|e| format!("cannot connect to the Runtime API at {api}: {e}"))?;
        let (sender, conn) = http1::Builder::new()
            .max_buf_size(max_buf)
            .handshake(TokioIo::new(stream))
            .await?;
        tokio::spawn(async move {
            // A connection that fails is seen by the request on it, which ends the function.
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends `request` (a path, no authority) and returns the response, whose body must be
    /// read to its end before the next request.
    async fn send(&mut self, mut request: Request<Body>) -> Result<Response<Incoming>, Error> {
        let headers = request.headers_mut();
        headers.insert(hyper::header::HOST, self.api.parse()?);
        headers.insert(hyper::header::USER_AGENT, USER_AGENT.parse()?);
        if self.sender.ready().await.is_err() {
            self.sender = Self::handshake(&self.api, self.max_buf).await?;
        }
        match self.sender.try_send_request(request).await {
            Ok(response) => Ok(response),
            // The API closed the connection before the request went out (it may close an idle
            // keep-alive connection at any time): send it once more on a new one.
            Err(mut e) => match e.take_message() {
                Some(request) => {
                    self.sender = Self::handshake(&self.api, self.max_buf).await?;
                    Ok(self.sender.send_request(request).await?)
                }
                None => Err(e.into_error().into()),
            },
        }
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
