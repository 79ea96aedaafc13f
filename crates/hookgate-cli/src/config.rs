//! `hookgate.toml`, and the quick flags, resolved into what `serve` runs. Every error names the
//! file, the key and the problem, before anything listens.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use hookgate_core::{
    Algorithm, Encoding, EventTypeSource, FieldPath, IdSource, Preset, Scheme, SecretFormat, Secrets, SignatureSyntax,
    TimestampFormat, TimestampSource,
};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    admin_listen: Option<String>,
    max_body_bytes: Option<usize>,
    store: Option<StoreConfig>,
    sink: Option<SinkConfig>,
    #[serde(default)]
    endpoints: Vec<EndpointConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SinkConfig {
    kind: Option<String>,
    url: Option<String>,
    stream: Option<String>,
    subject: Option<String>,
    max_len: Option<usize>,
    timeout_secs: Option<u64>,
    forward_headers: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreConfig {
    kind: Option<String>,
    url: Option<String>,
    ttl_secs: Option<u64>,
    capacity: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointConfig {
    path: String,
    provider: String,
    secrets: Vec<String>,
    tolerance_secs: Option<u64>,
    max_body_bytes: Option<usize>,
    mode: Option<String>,
    sink: Option<SinkConfig>,
    public_url: Option<String>,
    trust_forwarded: Option<bool>,
    verify_token: Option<String>,
    scheme: Option<CustomScheme>,
}

/// `provider = "custom"`: a scheme described by its parts (docs/config.md).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomScheme {
    name: Option<String>,
    algorithm: Option<String>,
    signature_header: Option<String>,
    signature_field: Option<String>,
    prefix: Option<String>,
    list: Option<ListSyntax>,
    #[serde(default)]
    versioned: bool,
    encoding: Option<String>,
    signed_content: Option<String>,
    secret_format: Option<String>,
    timestamp_header: Option<String>,
    timestamp_field: Option<String>,
    timestamp_format: Option<String>,
    enforce_timestamp: Option<bool>,
    id_header: Option<String>,
    #[serde(default)]
    id_header_optional: bool,
    id_field: Option<String>,
    event_type_header: Option<String>,
    event_type_fields: Option<Vec<String>>,
}

/// `list = { timestamp_key = "t", signature_key = "v1", separator = "," }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListSyntax {
    timestamp_key: Option<String>,
    signature_key: String,
    separator: Option<char>,
}

/// One endpoint, ready to build.
pub(crate) struct EndpointSpec {
    pub(crate) path: String,
    pub(crate) scheme: Scheme,
    pub(crate) secrets: Secrets,
    /// The URL the provider calls, for schemes that sign it.
    pub(crate) public_url: Option<String>,
    /// Rebuild the signed URL from `X-Forwarded-*` headers.
    pub(crate) trust_forwarded: bool,
    /// The verify token of a GET subscription handshake (Meta).
    pub(crate) verify_token: Option<String>,
    pub(crate) tolerance: Duration,
    pub(crate) max_body_bytes: usize,
    /// Shadow mode: verify and record the verdict, but forward every request to the app as it
    /// came, whatever the verdict.
    pub(crate) shadow: bool,
    /// Where this endpoint's deliveries go: its own `sink` table, else the file's `[sink]`.
    pub(crate) sink: SinkSpec,
}

/// Where delivery ids are remembered.
pub(crate) enum StoreSpec {
    Memory { capacity: usize },
    Redis { url: String },
}

/// Where quick-ack puts a verified, new delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SinkSpec {
    /// One JSON line per delivery on stdout.
    Stdout,
    /// One entry per delivery in a Redis Stream.
    RedisStream { url: String, stream: String, max_len: Option<usize> },
    /// One message per delivery on a NATS JetStream subject.
    Nats { url: String, stream: String, subject: String },
    /// Each delivery POSTed to the app, whose answer is the sender's.
    Http { url: String, timeout: Duration, forward_headers: Vec<String> },
}

/// The default stream of the Redis Streams sink.
pub(crate) const DEFAULT_STREAM: &str = "hookgate:events";
/// How long the HTTP forward sink waits for the app by default (504 past it).
pub(crate) const DEFAULT_FORWARD_TIMEOUT: Duration = Duration::from_secs(10);

/// The default stream and subject of the NATS JetStream sink.
pub(crate) const DEFAULT_NATS_STREAM: &str = "HOOKGATE";
pub(crate) const DEFAULT_NATS_SUBJECT: &str = "hookgate.events";

/// What `serve` runs.
pub(crate) struct ServeConfig {
    pub(crate) listen: SocketAddr,
    /// Where /healthz, /readyz and /metrics are served, when not on `listen`.
    pub(crate) admin_listen: Option<SocketAddr>,
    pub(crate) endpoints: Vec<EndpointSpec>,
    pub(crate) ttl: Duration,
    pub(crate) store: StoreSpec,
}

/// The sink a `--sink` URL names: `stdout`, `redis://…`; `stream` is `--stream`.
pub(crate) fn sink_from_flag(url: &str, stream: Option<&str>, subject: Option<&str>) -> anyhow::Result<SinkSpec> {
    let kind = match url {
        "stdout" => "stdout",
        u if u.starts_with("redis://") || u.starts_with("rediss://") => "redis-stream",
        u if u.starts_with("nats://") => "nats",
        u if u.starts_with("http://") => "http",
        u => {
            bail!("`{u}` is not a sink: use stdout, redis://host:port[/db], nats://host:port or http://host:port/path")
        }
    };
    sink(kind, Some(url), stream, subject, None)
}

/// The sink of `kind`, checked: what the flags and the `[sink]` table resolve to.
fn sink(
    kind: &str,
    url: Option<&str>,
    stream: Option<&str>,
    subject: Option<&str>,
    max_len: Option<usize>,
) -> anyhow::Result<SinkSpec> {
    match kind {
        "stdout" => {
            if let Some(u) = url.filter(|u| *u != "stdout") {
                bail!("url `{u}` does not go with kind = \"stdout\"");
            }
            Ok(SinkSpec::Stdout)
        }
        "redis-stream" => {
            let url = match url {
                Some(u) if u.starts_with("redis://") || u.starts_with("rediss://") => u,
                Some(u) => bail!("url `{u}` is not a redis:// URL"),
                None => bail!("url is required with kind = \"redis-stream\""),
            };
            if subject.is_some() {
                bail!("subject goes with a NATS sink, not a Redis stream");
            }
            let stream = stream.unwrap_or(DEFAULT_STREAM);
            if stream.is_empty() {
                bail!("stream must not be empty");
            }
            Ok(SinkSpec::RedisStream {
                url: url.to_owned(),
                stream: stream.to_owned(),
                max_len: max_len.filter(|n| *n > 0),
            })
        }
        "nats" => {
            let url = match url {
                Some(u) if u.starts_with("nats://") || u.starts_with("tls://") => u,
                Some(u) => bail!("url `{u}` is not a nats:// URL"),
                None => bail!("url is required with kind = \"nats\""),
            };
            if max_len.is_some() {
                bail!("max_len goes with a Redis stream; size a JetStream stream with NATS itself");
            }
            let (stream, subject) = (stream.unwrap_or(DEFAULT_NATS_STREAM), subject.unwrap_or(DEFAULT_NATS_SUBJECT));
            if stream.is_empty() || subject.is_empty() {
                bail!("stream and subject must not be empty");
            }
            Ok(SinkSpec::Nats { url: url.to_owned(), stream: stream.to_owned(), subject: subject.to_owned() })
        }
        "http" => {
            let url = match url {
                Some(u) if u.starts_with("http://") => u,
                Some(u) => bail!("url `{u}` is not an http:// URL"),
                None => bail!("url is required with kind = \"http\""),
            };
            if stream.is_some() || subject.is_some() || max_len.is_some() {
                bail!("stream, subject and max_len go with broker sinks, not kind = \"http\"");
            }
            Ok(SinkSpec::Http { url: url.to_owned(), timeout: DEFAULT_FORWARD_TIMEOUT, forward_headers: Vec::new() })
        }
        other => bail!("unknown sink `{other}` (use \"stdout\", \"redis-stream\", \"nats\" or \"http\")"),
    }
}

fn secret_text(raw: &str) -> anyhow::Result<String> {
    match raw.strip_prefix("env:") {
        Some(var) => std::env::var(var).map_err(|_| anyhow!("environment variable `{var}` is not set")),
        None => Ok(raw.to_owned()),
    }
}

/// The scheme of the preset called `name`.
pub(crate) fn preset_scheme(name: &str) -> anyhow::Result<Scheme> {
    Ok(Preset::from_name(name).map_err(|e| anyhow!("provider: {e}"))?.scheme())
}

pub(crate) fn endpoint(
    path: &str,
    scheme: Scheme,
    secrets: &[String],
    tolerance_secs: u64,
    max_body_bytes: usize,
) -> anyhow::Result<EndpointSpec> {
    if !path.starts_with('/') {
        bail!("path `{path}` must start with `/`");
    }
    if ["/healthz", "/readyz", "/metrics"].contains(&path) {
        bail!("path `{path}` is hookgate's own (health, readiness and metrics)");
    }
    if secrets.is_empty() {
        bail!("secrets: at least one secret is required");
    }
    let texts = secrets
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let t = secret_text(s).with_context(|| format!("secrets[{i}]"))?;
            if t.is_empty() {
                bail!("secrets[{i}]: the secret is empty");
            }
            Ok(t)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let secrets = Secrets::for_scheme(&scheme, &texts).map_err(|e| anyhow!("secrets: {e}"))?;
    if max_body_bytes == 0 {
        bail!("max_body_bytes must be greater than 0");
    }
    Ok(EndpointSpec {
        path: path.to_owned(),
        scheme,
        secrets,
        public_url: None,
        trust_forwarded: false,
        verify_token: None,
        tolerance: Duration::from_secs(tolerance_secs),
        max_body_bytes,
        shadow: false,
        sink: SinkSpec::Stdout,
    })
}

/// An endpoint whose scheme signs the URL knows how to find it; `verify_token` is Meta's alone.
fn signed_url(e: &EndpointSpec) -> anyhow::Result<()> {
    hookgate_core::check_signed_url(&e.scheme, e.public_url.as_deref(), e.trust_forwarded)
        .map_err(|err| anyhow!("{err}"))
}

fn verify_token_fits(e: &EndpointSpec) -> anyhow::Result<()> {
    if e.verify_token.is_some() && e.scheme.handshake() != Some(hookgate_core::Handshake::MetaSubscribe) {
        bail!("verify_token is only used by provider = \"meta\" (its GET subscription check)");
    }
    Ok(())
}

/// A `custom` scheme from its `[endpoints.scheme]` table; errors name the key.
fn custom_scheme(c: CustomScheme) -> anyhow::Result<Scheme> {
    let field =
        |key: &str, v: &str| FieldPath::parse(v).ok_or_else(|| anyhow!("{key}: `{v}` is not a field path like a.b"));
    let mut b = Scheme::builder(c.name.unwrap_or_else(|| "custom".into()));
    if let Some(a) = c.algorithm {
        b = b.algorithm(Algorithm::from_name(&a).ok_or_else(|| {
            anyhow!("algorithm: unknown `{a}` (use hmac-sha1, hmac-sha256, hmac-sha512, ed25519, ecdsa-p256 or token)")
        })?);
    }
    match (c.signature_header, c.signature_field) {
        (Some(h), None) => b = b.signature_header(h),
        (None, Some(f)) => b = b.signature_field(field("signature_field", &f)?),
        _ => bail!("exactly one of signature_header and signature_field is required"),
    }
    let list_timestamp = c.list.as_ref().is_some_and(|l| l.timestamp_key.is_some());
    b = b.syntax(match (c.prefix, c.list, c.versioned) {
        (prefix, None, false) => {
            SignatureSyntax::Single { prefix: prefix.unwrap_or_default().into(), prefix_required: true }
        }
        (None, Some(l), false) => SignatureSyntax::Params {
            timestamp_key: l.timestamp_key.map(Into::into),
            signature_key: l.signature_key.into(),
            separator: l.separator.unwrap_or(','),
        },
        (None, None, true) => SignatureSyntax::VersionedList,
        _ => bail!("prefix, list and versioned are alternatives: give one"),
    });
    if let Some(e) = c.encoding {
        b = b.encoding(match e.as_str() {
            "hex" => Encoding::Hex,
            "base64" => Encoding::Base64,
            other => bail!("encoding: unknown `{other}` (use hex or base64)"),
        });
    }
    if let Some(t) = c.signed_content {
        b = b.signed_content_template(&t).map_err(|e| anyhow!("signed_content: {e}"))?;
    }
    if let Some(f) = c.secret_format {
        b = b.secret_format(match f.as_str() {
            "raw" => SecretFormat::Raw,
            "base64" => SecretFormat::Base64,
            "hex" => SecretFormat::Hex,
            "standard-webhooks" => SecretFormat::StandardWebhooks,
            other => bail!("secret_format: unknown `{other}` (use raw, base64, hex or standard-webhooks)"),
        });
    }

    b = b.timestamp(match (c.timestamp_header, c.timestamp_field) {
        (Some(h), None) => TimestampSource::Header(h.into()),
        (None, Some(f)) => TimestampSource::BodyField(field("timestamp_field", &f)?),
        (None, None) if list_timestamp => TimestampSource::SignatureParam,
        (None, None) => TimestampSource::None,
        _ => bail!("timestamp_header and timestamp_field are alternatives: give one"),
    });
    if let Some(f) = c.timestamp_format {
        b = b.timestamp_format(match f.as_str() {
            "unix" => TimestampFormat::UnixSeconds,
            "unix-ms" => TimestampFormat::UnixMillis,
            "rfc3339" => TimestampFormat::Rfc3339,
            other => bail!("timestamp_format: unknown `{other}` (use unix, unix-ms or rfc3339)"),
        });
    }
    if let Some(e) = c.enforce_timestamp {
        b = b.enforce_timestamp(e);
    }
    b = b.id(match (c.id_header, c.id_field) {
        (Some(h), None) if c.id_header_optional => IdSource::OptionalHeader(h.into()),
        (Some(h), None) => IdSource::Header(h.into()),
        (None, Some(f)) => IdSource::BodyField(field("id_field", &f)?),
        (None, None) => IdSource::Digest,
        _ => bail!("id_header and id_field are alternatives: give one"),
    });
    b = b.event_type(match (c.event_type_header, c.event_type_fields) {
        (Some(h), None) => EventTypeSource::Header(h.into()),
        (None, Some(fs)) => EventTypeSource::BodyFields(
            fs.iter().map(|f| field("event_type_fields", f)).collect::<anyhow::Result<_>>()?,
        ),
        (None, None) => EventTypeSource::None,
        _ => bail!("event_type_header and event_type_fields are alternatives: give one"),
    });
    b.build().map_err(|e| anyhow!("{e}"))
}

/// Where `serve` listens unless told otherwise.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// `host:port`, the host an IP address or a name (`localhost:8080`), resolved now.
fn listen(addr: &str) -> anyhow::Result<SocketAddr> {
    use std::net::ToSocketAddrs as _;
    let bad = || anyhow!("`{addr}` is not an address like 127.0.0.1:8080 or localhost:8080");
    if let Ok(a) = addr.parse() {
        return Ok(a);
    }
    if addr.rsplit_once(':').is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err()) {
        return Err(bad());
    }
    let mut all = addr.to_socket_addrs().map_err(|e| anyhow!("`{addr}`: cannot resolve the host: {e}"))?;
    all.next().ok_or_else(bad)
}

/// The quick flags of `serve`, without a config file.
pub(crate) struct Flags<'a> {
    pub(crate) provider: &'a str,
    pub(crate) secrets: &'a [String],
    pub(crate) listen: &'a str,
    pub(crate) path: &'a str,
    pub(crate) tolerance_secs: u64,
    pub(crate) max_body_bytes: usize,
    pub(crate) sink: SinkSpec,
    pub(crate) public_url: Option<&'a str>,
    pub(crate) trust_forwarded: bool,
    pub(crate) verify_token: Option<&'a str>,
}

pub(crate) fn from_flags(f: Flags<'_>) -> anyhow::Result<ServeConfig> {
    let store = match &f.sink {
        SinkSpec::RedisStream { url, .. } => StoreSpec::Redis { url: url.clone() },
        SinkSpec::Stdout | SinkSpec::Nats { .. } | SinkSpec::Http { .. } => StoreSpec::Memory { capacity: 1_000_000 },
    };
    let mut endpoint = endpoint(f.path, preset_scheme(f.provider)?, f.secrets, f.tolerance_secs, f.max_body_bytes)?;
    endpoint.sink = f.sink;
    endpoint.public_url = f.public_url.map(str::to_owned);
    endpoint.trust_forwarded = f.trust_forwarded;
    endpoint.verify_token = f.verify_token.map(secret_text).transpose().context("--verify-token")?;
    signed_url(&endpoint).context("--public-url")?;
    verify_token_fits(&endpoint).context("--verify-token")?;
    Ok(ServeConfig {
        listen: listen(f.listen).context("--listen")?,
        admin_listen: None,
        endpoints: vec![endpoint],
        ttl: Duration::from_secs(86_400),
        store,
    })
}

pub(crate) fn from_file(file: &Path, listen_flag: Option<&str>) -> anyhow::Result<ServeConfig> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("{name}: cannot read"))?;
    from_toml(&name, &text, listen_flag)
}

/// `--admin-listen`, or the file's `admin_listen` (the flag wins), resolved; different from
/// `listen`.
pub(crate) fn admin_listen(cfg: &mut ServeConfig, flag: Option<&str>) -> anyhow::Result<()> {
    if let Some(addr) = flag {
        cfg.admin_listen = Some(listen(addr).context("--admin-listen")?);
    }
    if cfg.admin_listen == Some(cfg.listen) {
        bail!("admin_listen {} is the webhooks' own address: leave it out to serve both there", cfg.listen);
    }
    Ok(())
}

/// Parses the text of a config file; `name` prefixes every error.
pub(crate) fn from_toml(name: &str, text: &str, listen_flag: Option<&str>) -> anyhow::Result<ServeConfig> {
    let cfg: FileConfig = toml::from_str(text).map_err(|e| anyhow!("{name}: {}", e.to_string().trim_end()))?;
    let in_file = |key: String, e: anyhow::Error| anyhow!("{name}: {key}: {e:#}");
    let listen_text = listen_flag.map(str::to_owned).or(cfg.listen).unwrap_or_else(|| DEFAULT_LISTEN.into());
    let listen = listen(&listen_text).map_err(|e| in_file("listen".into(), e))?;
    let admin_listen =
        cfg.admin_listen.as_deref().map(self::listen).transpose().map_err(|e| in_file("admin_listen".into(), e))?;
    let max_body = cfg.max_body_bytes.unwrap_or(1_048_576);
    let (mut ttl, mut capacity) = (Duration::from_secs(86_400), 1_000_000);
    let mut redis_url = None;
    let had_store = cfg.store.is_some();
    if let Some(store) = cfg.store {
        match store.kind.as_deref().unwrap_or("memory") {
            "memory" => {}
            "redis" => match store.url {
                Some(u) if u.starts_with("redis://") || u.starts_with("rediss://") => redis_url = Some(u),
                Some(u) => return Err(in_file("store.url".into(), anyhow!("`{u}` is not a redis:// URL"))),
                None => return Err(in_file("store.url".into(), anyhow!("required when kind = \"redis\""))),
            },
            other => {
                return Err(in_file(
                    "store.kind".into(),
                    anyhow!("unknown store `{other}` (use \"memory\" or \"redis\")"),
                ));
            }
        }
        if let Some(t) = store.ttl_secs {
            if t == 0 {
                return Err(in_file("store.ttl_secs".into(), anyhow!("must be greater than 0")));
            }
            ttl = Duration::from_secs(t);
        }
        if let Some(c) = store.capacity {
            if c == 0 {
                return Err(in_file("store.capacity".into(), anyhow!("must be greater than 0")));
            }
            capacity = c;
        }
    }
    // Endpoints without a `sink` table of their own share this one.
    let default_sink = match cfg.sink {
        None => SinkSpec::Stdout,
        Some(c) => sink_table(c).map_err(|e| in_file("sink".into(), e))?,
    };
    if cfg.endpoints.is_empty() {
        bail!("{name}: endpoints: at least one [[endpoints]] table is required");
    }
    let mut seen = HashSet::new();
    let mut endpoints = Vec::new();
    for (i, e) in cfg.endpoints.into_iter().enumerate() {
        let key = |k: &str| format!("endpoints[{i}].{k}");
        if !seen.insert(e.path.clone()) {
            return Err(in_file(key("path"), anyhow!("duplicate path `{}`", e.path)));
        }
        let scheme = match (e.provider.as_str(), e.scheme) {
            ("custom", Some(c)) => custom_scheme(c).map_err(|err| in_file(key("scheme"), err))?,
            ("custom", None) => {
                return Err(in_file(key("scheme"), anyhow!("provider = \"custom\" needs an [endpoints.scheme] table")));
            }
            (_, Some(_)) => {
                return Err(in_file(key("scheme"), anyhow!("a scheme table goes with provider = \"custom\" only")));
            }
            (name, None) => preset_scheme(name).map_err(|err| in_file(format!("endpoints[{i}] ({})", e.path), err))?,
        };
        let mut spec = endpoint(
            &e.path,
            scheme,
            &e.secrets,
            e.tolerance_secs.unwrap_or(300),
            e.max_body_bytes.unwrap_or(max_body),
        )
        .map_err(|err| in_file(format!("endpoints[{i}] ({})", e.path), err))?;
        spec.public_url = e.public_url;
        spec.trust_forwarded = e.trust_forwarded.unwrap_or(false);
        spec.verify_token =
            e.verify_token.as_deref().map(secret_text).transpose().map_err(|err| in_file(key("verify_token"), err))?;
        signed_url(&spec).map_err(|err| in_file(key("public_url"), err))?;
        verify_token_fits(&spec).map_err(|err| in_file(key("verify_token"), err))?;
        spec.shadow = match e.mode.as_deref().unwrap_or("enforce") {
            "enforce" => false,
            "shadow" => true,
            other => {
                return Err(in_file(key("mode"), anyhow!("unknown mode `{other}` (use \"enforce\" or \"shadow\")")));
            }
        };
        spec.sink = match e.sink {
            None => default_sink.clone(),
            Some(c) => sink_table(c).map_err(|err| in_file(key("sink"), err))?,
        };
        if spec.shadow && !matches!(spec.sink, SinkSpec::Http { .. }) {
            return Err(in_file(
                key("mode"),
                anyhow!("mode = \"shadow\" forwards every request to your app: it needs a sink with kind = \"http\""),
            ));
        }
        endpoints.push(spec);
    }
    // A Redis stream with no store configured remembers deliveries in the same Redis: an in-memory
    // store would forget them at a restart, and a retry would be appended again. With several
    // streams, the `[sink]` one's Redis is used, else the first endpoint's.
    let stream_redis = std::iter::once(&default_sink).chain(endpoints.iter().map(|e| &e.sink)).find_map(|s| match s {
        SinkSpec::RedisStream { url, .. } => Some(url.clone()),
        _ => None,
    });
    let store = match (redis_url, had_store, stream_redis) {
        (Some(url), _, _) | (None, false, Some(url)) => StoreSpec::Redis { url },
        (None, _, _) => StoreSpec::Memory { capacity },
    };
    Ok(ServeConfig { listen, admin_listen, endpoints, ttl, store })
}

/// A `[sink]` table, or an endpoint's `sink` table, checked.
fn sink_table(c: SinkConfig) -> anyhow::Result<SinkSpec> {
    let kind = c.kind.as_deref().unwrap_or("stdout");
    let mut spec = sink(kind, c.url.as_deref(), c.stream.as_deref(), c.subject.as_deref(), c.max_len)?;
    match &mut spec {
        SinkSpec::Http { timeout, forward_headers, .. } => {
            if let Some(t) = c.timeout_secs {
                if t == 0 {
                    bail!("timeout_secs: must be greater than 0");
                }
                *timeout = Duration::from_secs(t);
            }
            *forward_headers = c.forward_headers.unwrap_or_default();
        }
        _ if c.timeout_secs.is_some() || c.forward_headers.is_some() => {
            bail!("timeout_secs and forward_headers go with kind = \"http\"");
        }
        _ => {}
    }
    Ok(spec)
}

/// What `hookgate config example` prints: every key, with its default, valid as it is.
pub(crate) const EXAMPLE: &str = r#"# hookgate.toml: what `hookgate serve --config hookgate.toml` runs.
# Every key is shown with its default; all but `[[endpoints]]` may be left out.

# Where to listen, host:port. `--listen` overrides it.
listen = "127.0.0.1:8080"

# Where to serve /healthz, /readyz and /metrics instead, host:port (default: on `listen`).
# `--admin-listen` overrides it.
# admin_listen = "127.0.0.1:9090"

# Largest body accepted, in bytes, for every endpoint that does not set its own (413 beyond).
max_body_bytes = 1048576

# Where processed deliveries are remembered, so a retry is answered 200 and not processed again.
[store]
kind = "memory"          # "memory" (one process, forgotten at restart) or "redis" (shared by replicas)
ttl_secs = 86400         # how long a processed delivery is remembered (24 h)
capacity = 1000000       # memory store only: the most deliveries remembered at once
# url = "redis://127.0.0.1:6379/0"   # required with kind = "redis"

# Where a verified, new delivery goes; the 202 is written only once it is there.
[sink]
kind = "stdout"          # "stdout" (one JSON line per delivery), "redis-stream", "nats" or "http"
# url = "redis://127.0.0.1:6379/0"   # required with "redis-stream" (with no [store] table,
#                                    # deliveries are also remembered in this Redis) or "nats://..."
# stream = "hookgate:events"         # Redis: the stream's key; NATS: the stream ("HOOKGATE")
# subject = "hookgate.events"        # NATS only: the subject events are published to
# max_len = 1000000                  # Redis only: trim to about this many entries (default: none)
# For kind = "http" (url = "http://127.0.0.1:3000/hooks": each delivery POSTed to your app, whose
# answer is the sender's): timeout_secs = 10, and forward_headers = ["X-Hub-Signature-256"] to
# pass a provider's headers on (none by default).

# One table per endpoint. `path` is the URL path and the dedupe namespace.
[[endpoints]]
path = "/webhooks/github"
provider = "github"      # a preset name: `hookgate providers` lists them
secrets = ["replace-with-your-github-secret"]   # `env:NAME` reads the variable NAME at start-up
tolerance_secs = 300     # replay window, seconds, past and future
# max_body_bytes = 1048576
# mode = "enforce"       # or "shadow" (with an "http" sink): forward every request as it
#                        # came and only record what hookgate would have refused
# sink = { kind = "http", url = "http://127.0.0.1:3000/github" }   # this endpoint's own sink, any
#                        # kind, the same keys as [sink]; without it the endpoint uses [sink]

[[endpoints]]
path = "/webhooks/stripe"
provider = "stripe"
# Several secrets during a rotation: any of them verifies. "env:STRIPE_WEBHOOK_SECRET" would read
# one from the environment instead.
secrets = ["whsec_replace-with-your-new-secret", "whsec_replace-with-your-old-secret"]

[[endpoints]]
path = "/webhooks/svix"
provider = "svix"
secrets = ["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"]   # Svix and Standard Webhooks: whsec_ + base64
max_body_bytes = 262144
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_valid_and_shows_every_key() {
        let cfg = from_toml("example", EXAMPLE, None).unwrap();
        assert_eq!(cfg.endpoints.len(), 3);
        assert_eq!(cfg.listen.to_string(), DEFAULT_LISTEN);
        for key in [
            "listen",
            "max_body_bytes",
            "kind",
            "ttl_secs",
            "capacity",
            "url",
            "path",
            "provider",
            "secrets",
            "tolerance_secs",
        ] {
            assert!(EXAMPLE.contains(&format!("{key} =")), "{key}");
        }
    }

    #[test]
    fn endpoints_inherit_or_name_their_sink() {
        let file = r#"
[sink]
kind = "redis-stream"
url = "redis://127.0.0.1:6379/0"

[[endpoints]]
path = "/a"
provider = "github"
secrets = ["s"]

[[endpoints]]
path = "/b"
provider = "stripe"
secrets = ["s"]
sink = { kind = "http", url = "http://127.0.0.1:4000/stripe", timeout_secs = 5 }
"#;
        let cfg = from_toml("f", file, None).unwrap();
        assert!(matches!(&cfg.endpoints[0].sink, SinkSpec::RedisStream { stream, .. } if stream == DEFAULT_STREAM));
        assert!(matches!(&cfg.endpoints[1].sink, SinkSpec::Http { timeout, .. } if timeout.as_secs() == 5));
        assert!(matches!(&cfg.store, StoreSpec::Redis { url } if url == "redis://127.0.0.1:6379/0"));

        // Shadow mode needs the endpoint's resolved sink to be HTTP.
        let shadow = file.replace("path = \"/a\"", "path = \"/a\"\nmode = \"shadow\"");
        let err = from_toml("f", &shadow, None).err().unwrap().to_string();
        assert!(err.contains("endpoints[0].mode") && err.contains("kind = \"http\""), "{err}");
    }

    #[test]
    fn admin_listen_from_the_file_and_the_flag() {
        let file = "admin_listen = \"127.0.0.1:9090\"\n[[endpoints]]\npath = \"/a\"\nprovider = \"github\"\nsecrets = [\"s\"]\n";
        let mut cfg = from_toml("f", file, None).unwrap();
        assert_eq!(cfg.admin_listen.unwrap().port(), 9090);
        admin_listen(&mut cfg, Some("127.0.0.1:9191")).unwrap();
        assert_eq!(cfg.admin_listen.unwrap().port(), 9191, "the flag wins");
        assert!(admin_listen(&mut cfg, Some(DEFAULT_LISTEN)).is_err(), "not the webhooks' own address");
        let bad = file.replace("127.0.0.1:9090", "nowhere");
        assert!(from_toml("f", &bad, None).err().unwrap().to_string().contains("admin_listen"));
    }

    #[test]
    fn custom_schemes_from_the_file() {
        let file = r#"
[[endpoints]]
path = "/webhooks/acme"
provider = "custom"
secrets = ["s3cret"]

[endpoints.scheme]
name = "acme"
algorithm = "hmac-sha256"
signature_header = "X-Acme-Signature"
list = { timestamp_key = "t", signature_key = "v1", separator = "," }
encoding = "hex"
signed_content = "{timestamp}.{body}"
secret_format = "raw"
timestamp_format = "unix"
id_field = "id"
event_type_fields = ["type"]
"#;
        let cfg = from_toml("h.toml", file, None).unwrap();
        let scheme = &cfg.endpoints[0].scheme;
        assert_eq!((scheme.name(), scheme.timestamp_source()), ("acme", &TimestampSource::SignatureParam));
        // It verifies what Stripe's layout would sign with these keys.
        let secret = hookgate_core::Secret::hmac("s3cret").unwrap();
        let headers = scheme
            .sign(
                &secret,
                br#"{"id":"e1","type":"t"}"#,
                &hookgate_core::SignOptions { timestamp: Some(1), ..Default::default() },
            )
            .unwrap();
        assert!(headers[0].1.starts_with("t=1,v1="));
        let bad = file.replace("signature_header = \"X-Acme-Signature\"\n", "");
        let e = format!("{:#}", from_toml("h.toml", &bad, None).err().unwrap());
        assert!(e.contains("endpoints[0].scheme") && e.contains("signature_header"), "{e}");
        let bad = file.replace("hmac-sha256", "rot13");
        assert!(format!("{:#}", from_toml("h.toml", &bad, None).err().unwrap()).contains("algorithm"));
        let token = file.replace("provider = \"custom\"", "provider = \"custom\"\nverify_token = \"x\"");
        let e = format!("{:#}", from_toml("h.toml", &token, None).err().unwrap());
        assert!(e.contains("verify_token"), "{e}");
    }

    #[test]
    fn url_signing_presets_need_their_url() {
        let file = "[[endpoints]]\npath = \"/tw\"\nprovider = \"twilio\"\nsecrets = [\"s\"]\n";
        let e = format!("{:#}", from_toml("h.toml", file, None).err().unwrap());
        assert!(e.contains("endpoints[0].public_url") && e.contains("signs the request URL"), "{e}");
        let ok = file.replace("secrets", "public_url = \"https://h.example.com/tw\"\nsecrets");
        assert_eq!(
            from_toml("h.toml", &ok, None).unwrap().endpoints[0].public_url.as_deref(),
            Some("https://h.example.com/tw")
        );
        let fwd = file.replace("secrets", "trust_forwarded = true\nsecrets");
        assert!(from_toml("h.toml", &fwd, None).unwrap().endpoints[0].trust_forwarded);
    }

    #[test]
    fn listen_takes_host_names() {
        assert_eq!(listen("localhost:8080").unwrap().port(), 8080);
        assert!(listen("localhost:8080").unwrap().ip().is_loopback());
        assert!(listen("nowhere").is_err());
        assert!(listen("localhost:http").is_err());
    }
}
