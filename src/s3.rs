//! S3 for `accesslog replay` (the `s3` feature, which the Lambda binary is built without): a
//! lake under `s3://bucket/prefix`, and inputs read from S3 as a stream.
//!
//! Requests go through `object_store`; credentials and region are resolved by `aws-config`,
//! as the AWS CLI resolves them (environment, `~/.aws` profiles and SSO, container or instance
//! role), since `object_store` alone knows no profiles. `AWS_ENDPOINT_URL` (or
//! `AWS_ENDPOINT_URL_S3`) points both at an S3-compatible server, path-style. The replay is
//! synchronous code on plain threads, so every call is driven on one small runtime here.

use std::io::{self, Read};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsCredential};
use object_store::path::Path as KeyPath;
use object_store::{
    CredentialProvider, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("s3")
            .enable_all()
            .build()
            .expect("the S3 runtime starts")
    })
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

fn err(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. } => {
            io::Error::new(io::ErrorKind::AlreadyExists, e)
        }
        e => io::Error::other(e),
    }
}

/// The region, endpoint and credentials `aws-config` resolves, once per process.
struct Aws {
    region: String,
    endpoint: Option<String>,
    credentials: Option<SharedCredentialsProvider>,
}

fn aws() -> &'static Aws {
    static AWS: OnceLock<Aws> = OnceLock::new();
    AWS.get_or_init(|| {
        let cfg = block_on(aws_config::defaults(aws_config::BehaviorVersion::latest()).load());
        Aws {
            region: cfg
                .region()
                .map_or_else(|| "us-east-1".to_string(), |r| r.to_string()),
            endpoint: std::env::var("AWS_ENDPOINT_URL_S3")
                .ok()
                .or_else(|| cfg.endpoint_url().map(str::to_string)),
            credentials: cfg.credentials_provider(),
        }
    })
}

/// `aws-config`'s credentials for `object_store`, kept until five minutes before they expire.
#[derive(Debug)]
struct AwsConfigCredentials {
    provider: SharedCredentialsProvider,
    cached: Mutex<Option<(Arc<AwsCredential>, Option<SystemTime>)>>,
}

#[async_trait::async_trait]
impl CredentialProvider for AwsConfigCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        if let Some((c, expiry)) = &*self.cached.lock().expect("not poisoned") {
            if expiry.is_none_or(|t| t > SystemTime::now() + Duration::from_secs(300)) {
                return Ok(c.clone());
            }
        }
        let c = self.provider.provide_credentials().await.map_err(|e| {
            object_store::Error::Generic {
                store: "S3",
                source: format!("no AWS credentials ({e}); configure them as for the AWS CLI")
                    .into(),
            }
        })?;
        let cred = Arc::new(AwsCredential {
            key_id: c.access_key_id().to_string(),
            secret_key: c.secret_access_key().to_string(),
            token: c.session_token().map(str::to_string),
        });
        *self.cached.lock().expect("not poisoned") = Some((cred.clone(), c.expiry()));
        Ok(cred)
    }
}

/// The clients made so far, by bucket.
type Clients = Mutex<Vec<(String, Arc<AmazonS3>)>>;

/// A client for one bucket; one per bucket per process.
fn client(bucket: &str) -> io::Result<Arc<AmazonS3>> {
    static CLIENTS: OnceLock<Clients> = OnceLock::new();
    let clients = CLIENTS.get_or_init(Default::default);
    let mut clients = clients.lock().expect("not poisoned");
    if let Some((_, c)) = clients.iter().find(|(b, _)| b == bucket) {
        return Ok(c.clone());
    }
    let aws = aws();
    let mut b = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(&aws.region);
    if let Some(ep) = &aws.endpoint {
        b = b
            .with_endpoint(ep)
            .with_allow_http(ep.starts_with("http://"));
    }
    if let Some(p) = &aws.credentials {
        b = b.with_credentials(Arc::new(AwsConfigCredentials {
            provider: p.clone(),
            cached: Mutex::new(None),
        }));
    }
    let c = Arc::new(b.build().map_err(err)?);
    clients.push((bucket.to_string(), c.clone()));
    Ok(c)
}

/// `s3://bucket/key` → (bucket, key).
fn split(url: &str) -> io::Result<(String, String)> {
    let rest = url.strip_prefix("s3://").unwrap_or(url);
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{url}: no bucket (s3://bucket/prefix)"),
        ));
    }
    Ok((bucket.to_string(), key.to_string()))
}

/// A lake under `s3://bucket/prefix`.
pub struct S3Store {
    client: Arc<AmazonS3>,
    bucket: String,
    /// Empty, or ends in `/`.
    prefix: String,
}

impl S3Store {
    pub fn open(url: &str) -> io::Result<S3Store> {
        let (bucket, mut prefix) = split(url)?;
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(S3Store {
            client: client(&bucket)?,
            bucket,
            prefix,
        })
    }

    pub fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn path(&self, key: &str) -> KeyPath {
        KeyPath::from(format!("{}{key}", self.prefix))
    }

    pub fn put(&self, key: &str, data: Vec<u8>) -> io::Result<()> {
        block_on(self.client.put(&self.path(key), PutPayload::from(data)))
            .map(|_| ())
            .map_err(err)
    }

    pub fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match block_on(async {
            let r = self.client.get(&self.path(key)).await?;
            r.bytes().await
        }) {
            Ok(b) => Ok(Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(err(e)),
        }
    }

    pub fn list(&self, prefix: &str) -> io::Result<Vec<String>> {
        let full = self.path(prefix);
        let metas: Vec<_> = block_on(self.client.list(Some(&full)).collect::<Vec<_>>());
        let mut out = Vec::new();
        for m in metas {
            let m = m.map_err(err)?;
            let key = m.location.as_ref();
            out.push(key.strip_prefix(&self.prefix).unwrap_or(key).to_string());
        }
        out.sort();
        Ok(out)
    }

    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let (src, dst) = (self.path(from), self.path(to));
        match block_on(self.client.rename(&src, &dst)) {
            Ok(()) => Ok(()),
            Err(object_store::Error::NotFound { .. })
                if block_on(self.client.head(&dst)).is_ok() =>
            {
                Ok(())
            }
            Err(e) => Err(err(e)),
        }
    }

    pub fn delete(&self, key: &str) -> io::Result<()> {
        match block_on(self.client.delete(&self.path(key))) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(err(e)),
        }
    }

    /// The lake's lock: an object created only if absent (`If-None-Match: *`), rewritten every
    /// [`HEARTBEAT`] while held and deleted when let go. A run that is killed cannot delete
    /// it, so a lock not rewritten for [`STALE`] is taken over.
    pub fn lock(&self, key: &str, holder: &str) -> io::Result<S3Lock> {
        let path = self.path(key);
        let body = || PutPayload::from(format!("{holder} {}", now_secs()).into_bytes());
        let create = PutOptions::from(PutMode::Create);
        let mut r = block_on(self.client.put_opts(&path, body(), create.clone()));
        if let Err(
            object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. },
        ) = &r
        {
            let other = self.get(key)?.unwrap_or_default();
            let other = String::from_utf8_lossy(&other).into_owned();
            let seen: u64 = other
                .rsplit(' ')
                .next()
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0);
            if now_secs().saturating_sub(seen) < STALE.as_secs() {
                return Err(crate::store::held(
                    &self.describe(),
                    &format!(
                        "{}, seen {} s ago; a lock not refreshed for {} s is taken over",
                        other.split(' ').next().unwrap_or("?"),
                        now_secs().saturating_sub(seen),
                        STALE.as_secs()
                    ),
                ));
            }
            block_on(self.client.delete(&path)).map_err(err)?;
            r = block_on(self.client.put_opts(&path, body(), create));
        }
        r.map_err(|e| match err(e) {
            e if e.kind() == io::ErrorKind::AlreadyExists => {
                crate::store::held(&self.describe(), "another run took it first")
            }
            e => e,
        })?;
        let (client, holder) = (self.client.clone(), holder.to_string());
        let beat_path = path.clone();
        let heartbeat = runtime().spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                let body = PutPayload::from(format!("{holder} {}", now_secs()).into_bytes());
                let _ = client.put(&beat_path, body).await;
            }
        });
        Ok(S3Lock {
            client: self.client.clone(),
            path,
            heartbeat,
        })
    }
}

const HEARTBEAT: Duration = Duration::from_secs(30);
const STALE: Duration = Duration::from_secs(120);

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A held S3 lake lock.
pub struct S3Lock {
    client: Arc<AmazonS3>,
    path: KeyPath,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl Drop for S3Lock {
    fn drop(&mut self) {
        self.heartbeat.abort();
        let _ = block_on(self.client.delete(&self.path));
    }
}

/// An input object.
pub struct Object {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    pub etag: String,
}

impl Object {
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// The object's bytes as they arrive, never the whole object in memory.
    pub fn open(&self) -> io::Result<impl Read + Send> {
        let client = client(&self.bucket)?;
        let path = KeyPath::from(self.key.as_str());
        let stream = block_on(client.get(&path)).map_err(err)?.into_stream();
        Ok(StreamRead {
            stream,
            buf: Bytes::new(),
        })
    }
}

/// `s3://bucket/key` names one object; `s3://bucket/prefix/` (or a bucket alone) every object
/// under it, in key order.
pub fn list_inputs(url: &str) -> io::Result<Vec<Object>> {
    let (bucket, key) = split(url)?;
    let client = client(&bucket)?;
    let mut out = Vec::new();
    if key.is_empty() || key.ends_with('/') {
        let prefix = (!key.is_empty()).then(|| KeyPath::from(key.as_str()));
        let metas: Vec<_> = block_on(client.list(prefix.as_ref()).collect::<Vec<_>>());
        for m in metas {
            let m = m.map_err(err)?;
            out.push(Object {
                bucket: bucket.clone(),
                key: m.location.to_string(),
                size: m.size,
                etag: m.e_tag.unwrap_or_default(),
            });
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        let m = block_on(client.head(&KeyPath::from(key.as_str()))).map_err(err)?;
        out.push(Object {
            bucket,
            key,
            size: m.size,
            etag: m.e_tag.unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A byte stream read as `std::io::Read`, one chunk at a time.
struct StreamRead {
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    buf: Bytes,
}

impl Read for StreamRead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.buf.is_empty() {
            match block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(b)) => self.buf = b,
                Some(Err(e)) => return Err(err(e)),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        self.buf = self.buf.slice(n..);
        Ok(n)
    }
}
