//! Runnable examples of hookgate; see the files beside this one. Each starts with the command
//! that runs it.

/// Prints a `curl` command that posts `body` to `url` with the headers `preset` signs it with,
/// so a newcomer can fire a genuine webhook at a running example.
pub fn curl_command(
    url: &str,
    preset: hookgate_core::Preset,
    secret: &str,
    id: &str,
    event: &str,
    body: &str,
) -> String {
    let scheme = preset.scheme();
    let s = hookgate_core::Secret::for_scheme(&scheme, secret).expect("valid secret");
    let opts =
        hookgate_core::SignOptions { id: Some(id), event_type: Some(event), timestamp: None, ..Default::default() };
    let headers = scheme.sign(&s, body.as_bytes(), &opts).expect("signable");
    let mut cmd = format!("curl -i {url} -H 'Content-Type: application/json'");
    for (k, v) in headers {
        cmd.push_str(&format!(" -H '{k}: {v}'"));
    }
    cmd.push_str(&format!(" --data '{body}'"));
    cmd
}
