//! `hookgate verify`: does a captured delivery verify, and if not, precisely why.

use std::io;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::anyhow;
use clap::Args;
use hookgate_core::{Preset, RequestLine, Secret, Verifier, VerifyErrorKind};
use serde::Serialize;
use serde_json::ser::Formatter;

/// Arguments of `hookgate verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// Provider preset.
    #[arg(long)]
    provider: String,
    /// Secret(s) to try; repeat for several.
    #[arg(long = "secret", required = true)]
    secrets: Vec<String>,
    /// A request header as `Name: value`; repeat for each.
    #[arg(long = "header")]
    headers: Vec<String>,
    /// The raw body file (`-` for stdin).
    #[arg(long)]
    body: String,
    /// Check the timestamp against this Unix time instead of the clock (for old captures).
    #[arg(long)]
    now: Option<u64>,
    /// The full URL the request was sent to, for presets that sign it (twilio, square, hubspot).
    #[arg(long)]
    url: Option<String>,
    /// The request method, for presets that sign it (default POST).
    #[arg(long, default_value = "POST")]
    method: String,
}

pub(crate) fn main(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let preset = Preset::from_name(&a.provider).map_err(|e| anyhow!("--provider: {e}"))?;
    // One `--header` may hold several lines, as `hookgate sign` prints them.
    let headers = a
        .headers
        .iter()
        .flat_map(|h| h.lines())
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            line.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| anyhow!("--header `{line}`: expected `Name: value`"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let body = crate::read_body(&a.body)?;
    let verifier = Verifier::for_preset(preset, &a.secrets).map_err(|e| anyhow!("--secret: {e}"))?;
    let now = a.now.map(|s| UNIX_EPOCH + Duration::from_secs(s)).unwrap_or_else(SystemTime::now);
    if verifier.scheme().signs_url() && a.url.is_none() {
        anyhow::bail!("--url: {} signs the request URL: give the URL the provider called", preset.name());
    }
    let request = RequestLine { method: &a.method, url: a.url.as_deref() };
    let report = diagnose(preset, &verifier, &a.secrets, request, &headers, &body, now);
    print!("{}", report.text);
    Ok(if report.valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub(crate) struct Report {
    pub(crate) valid: bool,
    pub(crate) text: String,
}

pub(crate) fn diagnose(
    preset: Preset,
    verifier: &Verifier,
    secret_texts: &[String],
    request: RequestLine<'_>,
    headers: &[(String, String)],
    body: &[u8],
    now: SystemTime,
) -> Report {
    let mut out = String::new();
    let verify = |v: &Verifier, body: &[u8], now| v.verify_request(request, headers, body, now);
    let err = match verify(verifier, body, now) {
        Ok(v) => {
            out.push_str(&format!(
                "valid: {} signature, matched secret #{}\n  delivery id: {}\n  event type:  {}\n  timestamp:   {}\n",
                preset.name(),
                v.secret_index() + 1,
                v.delivery_id(),
                v.event_type().unwrap_or("-"),
                v.timestamp().map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
            ));
            return Report { valid: true, text: out };
        }
        Err(e) => e,
    };
    out.push_str(&format!("NOT valid: {err}\n"));
    let scheme = verifier.scheme();
    match err.kind() {
        VerifyErrorKind::Stale | VerifyErrorKind::Future => {
            let by = err.out_of_window_by().unwrap_or(0);
            let dir = if err.kind() == VerifyErrorKind::Stale { "stale" } else { "in the future" };
            out.push_str(&format!(
                "  the timestamp is {dir} by {by} s beyond the ±{} s window.\n",
                verifier.window().past().as_secs()
            ));
            // Is the signature itself right? Check at the webhook's own time.
            if let Some(ts) = verifier.claimed_timestamp(headers, body) {
                let then = UNIX_EPOCH + Duration::from_secs(ts.max(0) as u64);
                match verify(verifier, body, then) {
                    Ok(_) => out.push_str("  the signature itself is valid: this is an old capture or a replay (use --now to check it at its own time).\n"),
                    Err(e) => out.push_str(&format!("  and at its own time it would still fail: {e}\n")),
                }
            }
        }
        VerifyErrorKind::SignatureMismatch => explain_mismatch(verifier, secret_texts, &verify, body, now, &mut out),
        VerifyErrorKind::MissingSignature
        | VerifyErrorKind::MalformedHeader
        | VerifyErrorKind::AmbiguousHeader
        | VerifyErrorKind::MissingHeader => {
            out.push_str(&format!("  expected signature: `{}`\n", crate::providers::signature_form(scheme)))
        }
        _ => {}
    }
    Report { valid: false, text: out }
}

/// Python's `json.dumps` default separators (`, ` and `: `).
struct PythonStyle;
impl Formatter for PythonStyle {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// The bodies the sender may have signed when `body` is a changed copy: with or without a
/// trailing newline, and the JSON re-encoded (compact, pretty, Python-style), each with and
/// without a trailing newline (`echo` adds one).
fn reencodings(body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = Vec::new();
    if body.ends_with(b"\n") {
        v.push(("without its trailing newline".into(), body.trim_ascii_end().to_vec()));
    } else {
        v.push(("with a trailing newline".into(), [body, b"\n"].concat()));
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let mut encoded: Vec<(&str, Vec<u8>)> = Vec::new();
        if let Ok(c) = serde_json::to_vec(&json) {
            encoded.push(("re-encoded as compact JSON (e.g. JSON.stringify of the parsed body)", c));
        }
        if let Ok(p) = serde_json::to_vec_pretty(&json) {
            encoded.push(("re-encoded as pretty JSON (2-space indent)", p));
        }
        let mut py = Vec::new();
        if json.serialize(&mut serde_json::Serializer::with_formatter(&mut py, PythonStyle)).is_ok() {
            encoded.push(("re-encoded with Python json.dumps separators (\", \" and \": \")", py));
        }
        for (what, bytes) in encoded {
            v.push((format!("{what}, with a trailing newline"), [&bytes[..], b"\n"].concat()));
            v.push((what.to_owned(), bytes));
        }
    }
    v.retain(|(_, b)| b != body);
    v
}

/// The secrets a user may have meant: the same text decoded another way than the preset says.
fn alt_secrets(scheme: &hookgate_core::Scheme, text: &str) -> Vec<(String, Secret)> {
    use hookgate_core::SecretFormat;
    let alg = scheme.algorithm();
    if alg.name().starts_with("hmac") {
        let hmac = |bytes: &[u8]| Secret::parse(alg, SecretFormat::Raw, &String::from_utf8_lossy(bytes)).ok();
        let mut v = Vec::new();
        let whsec = text.strip_prefix("whsec_");
        match scheme.secret_format() {
            SecretFormat::StandardWebhooks | SecretFormat::Base64 => {
                v.extend(
                    Secret::parse(alg, SecretFormat::Raw, text)
                        .ok()
                        .map(|s| ("used as raw bytes instead of base64-decoding it".to_string(), s)),
                );
            }
            _ => {
                if let Some(b64) = whsec {
                    v.extend(
                        Secret::parse(alg, SecretFormat::Base64, b64)
                            .ok()
                            .map(|s| ("with `whsec_` base64-decoded".to_string(), s)),
                    );
                    v.extend(hmac(b64.as_bytes()).map(|s| ("without the `whsec_` prefix".to_string(), s)));
                } else {
                    v.extend(
                        hmac(format!("whsec_{text}").as_bytes()).map(|s| ("with a `whsec_` prefix".to_string(), s)),
                    );
                }
            }
        }
        v
    } else {
        // Public keys and shared tokens have one spelling each.
        Vec::new()
    }
}

/// Verifies the request as captured, with another verifier, body or "now".
type Check<'a> =
    dyn Fn(&Verifier, &[u8], SystemTime) -> Result<hookgate_core::Verified, hookgate_core::VerifyError> + 'a;

fn explain_mismatch(
    verifier: &Verifier,
    secret_texts: &[String],
    verify: &Check<'_>,
    body: &[u8],
    now: SystemTime,
    out: &mut String,
) {
    for (what, alt) in reencodings(body) {
        if verify(verifier, &alt, now).is_ok() {
            out.push_str(&format!(
                "  diagnosis: body altered — the signature matches the body {what}.\n  \
                 Something between the sender and you changed the bytes (a JSON parser or pretty-printer, an editor, a proxy).\n  \
                 Verify the raw bytes exactly as received.\n"
            ));
            return;
        }
    }
    for text in secret_texts {
        for (what, s) in alt_secrets(verifier.scheme(), text) {
            if verify(&Verifier::new(verifier.scheme().clone(), s).with_window(verifier.window()), body, now).is_ok() {
                out.push_str(&format!("  diagnosis: secret format — the signature matches the secret {what}.\n"));
                return;
            }
        }
    }
    out.push_str(&format!(
        "  diagnosis: wrong secret (none of the {} given matches), or the body was changed in a way that cannot be undone.\n  \
         Check the endpoint's signing secret in the provider's dashboard, and that you pass the raw body.\n",
        secret_texts.len()
    ));
}
