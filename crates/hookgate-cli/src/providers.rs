//! `hookgate providers`: the presets as a table.

use hookgate_core::{EventTypeSource, IdSource, Preset, SignatureSyntax, TimestampSource};

pub(crate) fn print() {
    let rows: Vec<[String; 6]> = Preset::ALL.iter().map(|p| row(*p)).collect();
    let head = ["preset", "signature header", "signed content", "encoding", "id", "event type / timestamp"];
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: &[String]| {
        let s: Vec<String> = cells.iter().zip(width).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", s.join("  ").trim_end());
    };
    line(&head.map(String::from));
    line(&width.map(|w| "-".repeat(w)));
    for r in &rows {
        line(r);
    }
    println!("\nplus `custom` schemes built from parts in code (hookgate_core::Scheme::builder).");
}

fn row(p: Preset) -> [String; 6] {
    let s = p.scheme();
    let header = match s.syntax() {
        SignatureSyntax::Single { prefix, .. } => format!("{}: {prefix}<mac>", s.signature_header()),
        SignatureSyntax::Params { timestamp_key, signature_key } => {
            format!("{}: {timestamp_key}=<ts>,{signature_key}=<mac>", s.signature_header())
        }
        SignatureSyntax::VersionedList => format!("{}: v1,<mac> v1a,<ed25519>", s.signature_header()),
        _ => s.signature_header().to_string(),
    };
    let encoding = format!("{:?}", s.encoding()).to_lowercase()
        + match s.secret_format() {
            hookgate_core::SecretFormat::StandardWebhooks => ", whsec_ secret",
            _ => "",
        };
    let id = match s.id_source() {
        IdSource::Header(h) => h.to_string(),
        IdSource::BodyField(f) => format!("body {f}, else digest"),
        _ => "sha256 digest".into(),
    };
    let event = match s.event_type_source() {
        EventTypeSource::Header(h) => h.to_string(),
        EventTypeSource::BodyFields(fs) => {
            format!("body {}", fs.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(" | "))
        }
        _ => "-".into(),
    };
    let ts = match s.timestamp_source() {
        TimestampSource::Header(h) => {
            format!("{h}{}", if s.signed_content().to_string().contains("{timestamp}") { "" } else { " (unsigned)" })
        }
        TimestampSource::SignatureParam => "t= in signature".into(),
        TimestampSource::BodyField(f) => format!("body {f} (not enforced)"),
        _ => "none".into(),
    };
    [p.name().into(), header, s.signed_content().to_string(), encoding, id, format!("{event} / {ts}")]
}
