//! `hookgate`: receive webhooks on your laptop and see them verified, sign and fire test events
//! at your own app, find out why a signature fails, and load-test a receiver.

mod config;
mod forward;
mod metrics;
mod providers;
mod queue;
mod send;
mod serve;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hookgate", version, about = "Receive, sign, send and diagnose signed webhooks.", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Logs on stderr as text lines or as one JSON object per line (`serve`, `forward`).
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
}

/// How logs are written.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// The `--log-format` given, read by [`logging`].
static LOG_FORMAT: std::sync::OnceLock<LogFormat> = std::sync::OnceLock::new();

#[derive(Subcommand)]
enum Command {
    /// Receive webhooks: verify, de-duplicate, answer 202, print each delivery as a JSON line.
    #[command(after_help = "Examples:\n  hookgate serve --provider github --secret s3cret\n  \
        hookgate serve --provider stripe --secret whsec_new --secret whsec_old --listen 0.0.0.0:9000 --path /stripe\n  \
        hookgate serve --config hookgate.toml\n\n\
        The config file (several endpoints, a Redis store): docs/config.md in the repository;\n\
        `hookgate config example > hookgate.toml` writes a complete, commented one.\n\
        Deliveries go to stdout (one JSON object per line), logs and refusal reasons to stderr.\n\
        Ctrl-C / SIGTERM stops accepting, prints every acknowledged delivery, and exits 0.")]
    Serve(ServeArgs),
    /// Print the headers a sender would add to a body.
    #[command(
        after_help = "Example:\n  echo '{\"id\":\"evt_1\",\"type\":\"charge.succeeded\"}' | hookgate sign --provider stripe --secret whsec_test --body -"
    )]
    Sign(SignArgs),
    /// Sign and POST deliveries to a URL, then print a summary (statuses, latency, requests/s).
    #[command(
        after_help = "Examples:\n  hookgate send http://127.0.0.1:8080/webhooks --provider github --secret s3cret\n  \
        hookgate send http://127.0.0.1:8080/webhooks --provider github --secret s3cret --count 10000 --concurrency 32 --duplicates 0.1 --retry\n\n\
        Only http:// URLs (a local receiver or tunnel). Without --body, each delivery gets a small JSON body with a unique id.\n\
        Exits 0 when every delivery got a 2xx, 1 otherwise."
    )]
    Send(send::SendArgs),
    /// Say whether a captured delivery verifies and, if not, precisely why.
    #[command(after_help = "Example:\n  hookgate verify --provider github --secret s3cret \\\n    \
        --header 'X-Hub-Signature-256: sha256=...' --header 'X-GitHub-Delivery: 72d3...' --body payload.json\n\n\
        Exit status: 0 valid, 1 not valid, 2 usage error.")]
    Verify(verify::VerifyArgs),
    /// List the provider presets by family, or describe one: headers, signed content, id, handshake.
    #[command(after_help = "Examples:\n  hookgate providers\n  hookgate providers twilio")]
    Providers {
        /// A preset to describe in full.
        name: Option<String>,
    },
    /// Forward the events of a durable stream to your app, retrying, with a dead-letter stream.
    #[command(
        after_help = "Example:\n  hookgate forward --from redis://127.0.0.1:6379 --to http://127.0.0.1:3000/hooks\n\n\
        Each event is POSTed as `hookgate serve --sink http://...` would; a 2xx acknowledges it; 5xx, 408,\n\
        429, timeouts and refused connections are retried (exponential backoff with jitter, Retry-After\n\
        honoured); other answers, or --max-attempts failures, move it to the dead letters\n\
        (<stream>:dead on Redis, <STREAM>_DEAD on NATS).\n\
        SIGTERM finishes the posts in flight and exits 0."
    )]
    Forward(queue::ForwardArgs),
    /// Move a stream's dead letters (`<stream>:dead`) back to the stream.
    Redrive(queue::RedriveArgs),
    /// Help with `hookgate.toml`.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a complete, commented `hookgate.toml` (every key, with its default).
    #[command(
        after_help = "Example:\n  hookgate config example > hookgate.toml && hookgate serve --config hookgate.toml"
    )]
    Example,
}

#[derive(Args)]
struct ServeArgs {
    /// Provider preset (see `hookgate providers`).
    #[arg(long, required_unless_present = "config", conflicts_with = "config")]
    provider: Option<String>,
    /// Signing secret; repeat for rotation. `env:NAME` reads a variable.
    #[arg(long = "secret", required_unless_present = "config", conflicts_with = "config")]
    secrets: Vec<String>,
    /// Address to listen on, `host:port` (default 127.0.0.1:8080; with --config, overrides the
    /// file's `listen`).
    #[arg(long)]
    listen: Option<String>,
    /// Serve /healthz, /readyz and /metrics on this address instead of on --listen, `host:port`
    /// (with --config, overrides the file's `admin_listen`).
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<String>,
    /// URL path of the endpoint.
    #[arg(long, default_value = "/webhooks", conflicts_with = "config")]
    path: String,
    /// Replay window, seconds, past and future.
    #[arg(long, default_value_t = 300, conflicts_with = "config")]
    tolerance_secs: u64,
    /// Largest body accepted (413 beyond).
    #[arg(long, default_value_t = 1_048_576, conflicts_with = "config")]
    max_body_bytes: usize,
    /// Several endpoints and a store from a TOML file instead of the flags above (the format:
    /// docs/config.md; `hookgate config example` prints a complete file).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where verified, new deliveries go: `stdout` (one JSON line each),
    /// `redis://host:port[/db]` (a Redis Stream; 202 once the entry is written),
    /// `nats://host:port` (NATS JetStream; 202 once the PubAck arrived) or
    /// `http://host:port/path` (POSTed to your app; its answer is the sender's).
    #[arg(long, default_value = "stdout", conflicts_with = "config")]
    sink: String,
    /// The Redis Stream's key (default hookgate:events), or the JetStream stream (default HOOKGATE).
    #[arg(long, conflicts_with = "config")]
    stream: Option<String>,
    /// The NATS subject (default hookgate.events), with a nats:// sink.
    #[arg(long, conflicts_with = "config")]
    subject: Option<String>,
    /// When the sink's broker (or the Redis store) cannot be reached at start, wait for it,
    /// trying every second, before listening. Without it, an unreachable broker stops the start.
    #[arg(long)]
    wait_for_sink: bool,
    /// The URL the provider calls, for presets that sign it (twilio, square, hubspot).
    #[arg(long, value_name = "URL", conflicts_with = "config")]
    public_url: Option<String>,
    /// Rebuild the signed URL from X-Forwarded-Proto/-Host: only behind a proxy that sets them.
    #[arg(long, conflicts_with = "config")]
    trust_forwarded: bool,
    /// The verify token of Meta's GET subscription check (`env:NAME` reads a variable).
    #[arg(long, value_name = "TOKEN", conflicts_with = "config")]
    verify_token: Option<String>,
}

#[derive(Args)]
struct SignArgs {
    /// Provider preset.
    #[arg(long)]
    provider: String,
    /// Signing secret (`whsk_` for Standard Webhooks' Ed25519).
    #[arg(long)]
    secret: String,
    /// Delivery id, for presets that send one in a header.
    #[arg(long)]
    id: Option<String>,
    /// Unix timestamp to sign with (default: now).
    #[arg(long)]
    timestamp: Option<i64>,
    /// Event type, for presets that send it in a header.
    #[arg(long)]
    event: Option<String>,
    /// Body file, or `-` for stdin (default: stdin).
    #[arg(long, default_value = "-")]
    body: String,
    /// The full URL the request goes to, for presets that sign it (twilio, square, hubspot).
    #[arg(long)]
    url: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = LOG_FORMAT.set(cli.log_format);
    let result = match cli.command {
        Command::Serve(a) => serve::main(a),
        Command::Sign(a) => send::sign_main(a),
        Command::Send(a) => send::main(a),
        Command::Verify(a) => verify::main(a),
        Command::Providers { name } => providers::main(name.as_deref()).map(|()| ExitCode::SUCCESS),
        Command::Forward(a) => queue::forward_main(a),
        Command::Redrive(a) => queue::redrive_main(a),
        Command::Config(ConfigCommand::Example) => {
            print!("{}", config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hookgate: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Reads a body from a file, or stdin for `-`.
fn read_body(spec: &str) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context as _;
    if spec == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("reading the body from stdin")?;
        Ok(b)
    } else {
        std::fs::read(spec).with_context(|| format!("reading the body from {spec}"))
    }
}

/// Logs to stderr, as text or JSON lines (`--log-format`); `HOOKGATE_LOG` sets the level or
/// filter (default `info`). Lines are written by a background thread, so a request never waits
/// on the write to stderr (at one line per delivery, that wait was a fifth of a forwarded
/// request's CPU time); if stderr cannot keep up, lines are dropped, never requests. Hold the
/// guard until the end: dropping it flushes what is buffered.
fn logging() -> tracing_appender::non_blocking::WorkerGuard {
    // Buffered: the writer thread flushes whenever it has drained the queue, so under load many
    // lines go out in one write instead of one system call each, and no line waits longer.
    let (writer, guard) = tracing_appender::non_blocking(std::io::BufWriter::with_capacity(1 << 16, std::io::stderr()));
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOOKGATE_LOG").unwrap_or_else(|_| "info".into());
    let fmt = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    if LOG_FORMAT.get() == Some(&LogFormat::Json) {
        fmt.json().init();
    } else {
        fmt.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
    guard
}
