//! The Firehose data-transformation Lambda.
//!
//! Configuration is read and checked before the runtime starts, so a bad environment variable
//! fails the cold start with a message naming the variable, not the first batch. Each
//! invocation prints one JSON line (counts, failed record ids, CloudWatch EMF metrics).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use accesslog::config::Config;
use accesslog::firehose::{response_buffer, Buffers, Transformer};
use accesslog::metrics::invocation_line;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("accesslog-transform: {e}");
            return Err(e.into());
        }
    };
    let function =
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "accesslog-transform".into());
    let transformer = Arc::new(Transformer::new(config));
    // Buffers survive between invocations of a warm instance; one invocation runs at a time.
    let buffers = Arc::new(Mutex::new(Buffers::default()));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let transformer = Arc::clone(&transformer);
        let buffers = Arc::clone(&buffers);
        let function = function.clone();
        async move {
            let started = Instant::now();
            let payload = event.payload.get().as_bytes();
            let mut out = response_buffer(payload.len());
            let mut bufs = buffers.lock().unwrap_or_else(|p| p.into_inner());
            let summary = transformer.transform(payload, &mut out, &mut bufs)?;
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            let now = chrono::Utc::now().timestamp_millis();
            println!("{}", invocation_line(&summary, &function, elapsed, now));
            let body = String::from_utf8(out).map_err(|e| Error::from(e.to_string()))?;
            Ok::<_, Error>(RawValue::from_string(body)?)
        }
    }))
    .await
}
