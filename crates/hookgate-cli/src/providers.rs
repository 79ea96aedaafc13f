//! `hookgate providers [NAME]`: the presets grouped by family, or one preset in full.

use anyhow::anyhow;
use hookgate_core::{
    Algorithm, Encoding, EventTypeSource, IdSource, Preset, Scheme, SecretFormat, SignatureSyntax, TimestampFormat,
    TimestampSource,
};

/// The families presets are listed in, by how they sign.
const FAMILIES: [&str; 7] = [
    "Standard Webhooks (id.timestamp.body, whsec_ secrets)",
    "HMAC with a signed timestamp",
    "HMAC of the body",
    "HMAC of the request URL",
    "Public-key signatures",
    "Signature inside the body",
    "Shared token (no signature)",
];

fn family(s: &Scheme) -> &'static str {
    let content = s.signed_content().to_string();
    match s.algorithm() {
        Algorithm::Ed25519 | Algorithm::EcdsaP256 => FAMILIES[4],
        Algorithm::Token => FAMILIES[6],
        _ if s.syntax() == &SignatureSyntax::VersionedList => FAMILIES[0],
        _ if s.signature_field().is_some() => FAMILIES[5],
        _ if s.signs_url() => FAMILIES[3],
        _ if content.contains("{timestamp}") => FAMILIES[1],
        _ => FAMILIES[2],
    }
}

pub(crate) fn main(name: Option<&str>) -> anyhow::Result<()> {
    let text = match name {
        None => list(),
        Some(name) => describe(Preset::from_name(name).map_err(|e| anyhow!("{e}"))?),
    };
    // A closed pipe (`hookgate providers | head`) is not an error worth a message.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    Ok(())
}

fn list() -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} presets. `hookgate providers NAME` describes one in full.", Preset::ALL.len());
    for fam in FAMILIES {
        let presets: Vec<Preset> = Preset::ALL.into_iter().filter(|p| family(&p.scheme()) == fam).collect();
        if presets.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{fam}");
        let rows: Vec<[String; 4]> = presets
            .iter()
            .map(|p| {
                let s = p.scheme();
                [p.name().into(), signature_form(&s), s.signed_content().to_string(), handshake(&s).into()]
            })
            .collect();
        let mut width = [0; 4];
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.len());
            }
        }
        for r in rows {
            let cells: Vec<String> = r.iter().zip(width).map(|(c, w)| format!("{c:<w$}")).collect();
            let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
        }
    }
    out.push_str("\nplus `custom`: a scheme built from parts ([endpoints.scheme] in the config, docs/config.md).\n");
    out
}

/// How the signature is sent, e.g. `Stripe-Signature: t=<unix>,v1=<hex>`.
pub(crate) fn signature_form(s: &Scheme) -> String {
    let value = match (s.algorithm(), s.encoding()) {
        (Algorithm::Token, _) => "<token>",
        (_, Encoding::Hex) => "<hex>",
        _ => "<base64>",
    };
    if let Some(field) = s.signature_field() {
        return format!("body field {field} = {value}");
    }
    let form = match s.syntax() {
        SignatureSyntax::Single { prefix, .. } => format!("{prefix}{value}"),
        SignatureSyntax::Params { timestamp_key: Some(t), signature_key, separator } => {
            let unit = if s.timestamp_format() == TimestampFormat::UnixMillis { "<unix ms>" } else { "<unix>" };
            format!("{t}={unit}{separator}{signature_key}={value}")
        }
        SignatureSyntax::Params { timestamp_key: None, signature_key, separator } => {
            format!("{signature_key}={value}[{separator}{signature_key}=...]")
        }
        _ => "v1,<base64> [v1a,<ed25519 base64>]".into(),
    };
    format!("{}: {form}", header_case(s.signature_header()))
}

fn handshake(s: &Scheme) -> &'static str {
    use hookgate_core::Handshake::*;
    match s.handshake() {
        Some(SlackUrlVerification) => "handshake: url_verification",
        Some(ZoomUrlValidation) => "handshake: endpoint.url_validation",
        Some(TwitchCallbackVerification) => "handshake: webhook_callback_verification",
        Some(DiscordPing) => "handshake: PING",
        Some(MetaSubscribe) => "handshake: GET hub.challenge",
        Some(DropboxChallenge) => "handshake: GET ?challenge=",
        Some(XCrc) => "handshake: GET crc_token",
        Some(WooCommercePing) => "handshake: webhook_id ping",
        Some(IntercomHead) => "handshake: HEAD",
        _ => "",
    }
}

/// One preset in full: what a sender sends, what is signed, and how to sign a test delivery.
fn describe(p: Preset) -> String {
    let s = p.scheme();
    let secret = match (s.algorithm(), s.secret_format()) {
        (Algorithm::Ed25519, SecretFormat::Hex) => "the sender's Ed25519 public key, hex",
        (Algorithm::EcdsaP256, _) => "the sender's P-256 public key, base64 DER",
        (_, SecretFormat::StandardWebhooks) => "whsec_<base64> (decoded), or whpk_ Ed25519 public keys",
        (Algorithm::Token, _) => "the shared token, compared as sent",
        (_, SecretFormat::Base64) => "base64, decoded",
        _ => "used as raw bytes",
    };
    let id = match s.id_source() {
        IdSource::Header(h) => format!("header {}", header_case(h)),
        IdSource::OptionalHeader(h) => format!("header {} when sent, else the digest", header_case(h)),
        IdSource::BodyField(f) => format!("body {f} when present, else the digest"),
        _ => "sha256 digest of the signed content".into(),
    };
    let event = match s.event_type_source() {
        EventTypeSource::Header(h) => format!("header {}", header_case(h)),
        EventTypeSource::BodyFields(fs) => {
            format!("body {}", fs.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(", else "))
        }
        _ => "none".into(),
    };
    let format = match s.timestamp_format() {
        TimestampFormat::UnixMillis => "Unix milliseconds",
        TimestampFormat::Rfc3339 => "RFC 3339",
        _ => "Unix seconds",
    };
    let enforced = if s.enforces_timestamp() { "enforced" } else { "reported, not enforced" };
    let ts = match s.timestamp_source() {
        TimestampSource::Header(h) => format!("header {}, {format}, {enforced}", header_case(h)),
        TimestampSource::SignatureParam => format!("the signature's timestamp entry, {format}, {enforced}"),
        TimestampSource::BodyField(f) => format!("body {f}, {format}, {enforced}"),
        _ => "none".into(),
    };
    let url = if s.signs_url() { " --url https://your.host/path" } else { "" };
    let sign_secret = match s.algorithm() {
        Algorithm::Ed25519 | Algorithm::EcdsaP256 => "<private key>",
        _ => "<secret>",
    };
    let mut out = format!(
        "{name}\n  family:         {family}\n  signature:      {sig}\n  algorithm:      {alg}\n  signed content: {content}\n  \
         secret:         {secret}\n  delivery id:    {id}\n  event type:     {event}\n  timestamp:      {ts}\n",
        name = p.name(),
        family = family(&s),
        sig = signature_form(&s),
        alg = s.algorithm().name(),
        content = s.signed_content(),
    );
    if let Some(h) = s.handshake() {
        out.push_str(&format!(
            "  handshake:      {} ({h:?}), answered by hookgate\n",
            handshake(&s).trim_start_matches("handshake: ")
        ));
    }
    if s.signs_url() {
        out.push_str("  the URL:        set public_url (or trust_forwarded behind a proxy) on the endpoint\n");
    }
    if s.algorithm() == Algorithm::EcdsaP256 || s.algorithm() == Algorithm::Ed25519 {
        out.push_str(
            "  signing:        `hookgate sign` needs the private key (a test key pair), the endpoint the public key\n",
        );
    }
    out.push_str(&format!(
        "  example:        echo '{{\"id\":\"evt_1\"}}' | hookgate sign --provider {} --secret {sign_secret}{url} --body -\n",
        p.name()
    ));
    out
}

/// `x-hub-signature-256` → `X-Hub-Signature-256`, for people reading the output.
pub(crate) fn header_case(lower: &str) -> String {
    lower
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_has_a_family_and_a_description() {
        for p in Preset::ALL {
            assert!(FAMILIES.contains(&family(&p.scheme())));
            let d = describe(p);
            assert!(d.contains(p.name()) && d.contains("example:"), "{d}");
        }
        assert!(describe(Preset::Twilio).contains("--url"));
        assert_eq!(signature_form(&Preset::Paddle.scheme()), "Paddle-Signature: ts=<unix>;h1=<hex>");
    }
}

/// The table of every preset in `docs/providers.md`, rendered from the schemes themselves and
/// the known-answer vectors' sources, so the page cannot drift from the code.
#[cfg(test)]
mod docs_table {
    use super::*;

    const BEGIN: &str =
        "<!-- presets table: generated by `cargo test -p hookgate-cli docs_table`; edit the code, not this -->\n";
    const END: &str = "<!-- end of presets table -->\n";

    /// Sources of the presets pinned by published examples in `crates/hookgate-core/tests/vectors.rs`.
    fn pinned_source(p: Preset) -> Option<&'static str> {
        Some(match p {
            Preset::StandardWebhooks => "Standard Webhooks reference libraries' tests; spec example (`v1a`)",
            Preset::Svix => "Svix documentation, \"Verifying payloads manually\"",
            Preset::Github => "GitHub documentation, \"Validating webhook deliveries\"",
            Preset::Slack => "Slack documentation, \"Verifying requests from Slack\"",
            Preset::Stripe | Preset::Shopify => "documented recipe, computed with Python's `hmac`",
            Preset::Primebot | Preset::Promptha | Preset::Pollybot | Preset::Twabot | Preset::Sendpilot => {
                "the provider document's sample code, computed with Python's `hmac`"
            }
            _ => return None,
        })
    }

    fn vector_source(p: Preset) -> String {
        if let Some(s) = pinned_source(p) {
            return s.into();
        }
        let path = format!("{}/../hookgate-core/tests/vectors/{}.json", env!("CARGO_MANIFEST_DIR"), p.name());
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("every preset has a vector")).expect("vector is JSON");
        v["source"].as_str().expect("source").replace('|', "/")
    }

    fn cell(text: String) -> String {
        if text.is_empty() { "-".into() } else { text.replace('|', "\\|") }
    }

    fn table() -> String {
        let mut t = String::from(BEGIN);
        t.push_str("| preset | signature | signed content | algorithm | secret | delivery id | event type | timestamp | handshake | vector source |\n");
        t.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        for p in Preset::ALL {
            let d = describe(p);
            let field = |name: &str| {
                d.lines().find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned())).unwrap_or_default()
            };
            let row = [
                format!("`{}`", p.name()),
                format!("`{}`", field("signature:")),
                format!("`{}`", field("signed content:")),
                field("algorithm:"),
                field("secret:"),
                field("delivery id:"),
                field("event type:"),
                field("timestamp:"),
                handshake(&p.scheme()).trim_start_matches("handshake: ").to_owned(),
                vector_source(p),
            ];
            t.push_str(&format!("| {} |\n", row.map(cell).join(" | ")));
        }
        t.push_str(END);
        t
    }

    #[test]
    fn docs_table() {
        let path = format!("{}/../../docs/providers.md", env!("CARGO_MANIFEST_DIR"));
        let page = std::fs::read_to_string(&path).unwrap();
        let (start, end) = (page.find(BEGIN).expect("table start"), page.find(END).expect("table end") + END.len());
        let fresh = table();
        if std::env::var_os("HOOKGATE_WRITE_DOCS").is_some() {
            std::fs::write(&path, format!("{}{fresh}{}", &page[..start], &page[end..])).unwrap();
            return;
        }
        assert!(
            page[start..end] == fresh,
            "docs/providers.md's presets table is stale: HOOKGATE_WRITE_DOCS=1 cargo test -p hookgate-cli docs_table"
        );
    }
}
