//! The real `hookgate` binary: serve + send for several presets, config errors, verify's
//! diagnoses, and sign's output verifying in the core.

use std::io::Read as _;
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const BIN: &str = env!("CARGO_BIN_EXE_hookgate");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_listening(port: u16, child: &mut Child) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            panic!("serve exited early ({status}): {err}");
        }
        assert!(start.elapsed() < Duration::from_secs(20), "serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stop(child: Child) -> (String, String) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "serve exits 0 on SIGTERM: {:?}", out.status);
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn serve(args: &[&str]) -> (Child, u16) {
    serve_with_env(args, &[])
}

/// `hookgate serve ARGS --listen <free port>` with extra environment variables, once listening.
fn serve_with_env(args: &[&str], env: &[(&str, &str)]) -> (Child, u16) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &listen])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_listening(port, &mut child);
    (child, port)
}

#[test]
fn serve_and_send_several_presets() {
    for (provider, secret) in [
        ("github", "s3cret"),
        ("stripe", "whsec_test"),
        ("standard-webhooks", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
        ("primebot", "primebot-secret"),
        ("pollybot", "pollybot-secret"),
    ] {
        let (child, port) = serve(&["--provider", provider, "--secret", secret]);
        let url = format!("http://127.0.0.1:{port}/webhooks");
        let ok = run(&[
            "send",
            &url,
            "--provider",
            provider,
            "--secret",
            secret,
            "--count",
            "20",
            "--concurrency",
            "4",
            "--event",
            "order.paid",
        ]);
        assert!(ok.status.success(), "{provider}: {}", text(&ok));
        assert!(text(&ok).contains("202     20"), "{provider}: {}", text(&ok));
        let wrong =
            if provider == "standard-webhooks" { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } else { "not-the-secret" };
        let bad = run(&["send", &url, "--provider", provider, "--secret", wrong]);
        assert_eq!(bad.status.code(), Some(1), "{provider}");
        assert!(text(&bad).contains("401     1"), "{provider}: {}", text(&bad));
        let dup = run(&[
            "send",
            &url,
            "--provider",
            provider,
            "--secret",
            secret,
            "--id",
            "same-id",
            "--count",
            "3",
            "--body",
            "-",
        ]);
        // --body - with no stdin is an empty body; ids collide: one 202 then duplicates.
        assert!(text(&dup).contains("202     1"), "{provider}: {}", text(&dup));
        let (stdout, stderr) = stop(child);
        let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 21, "{provider}: {stdout}\n{stderr}");
        let l = &lines[0];
        assert_eq!(l["provider"], provider);
        assert_eq!(l["endpoint"], "/webhooks");
        assert!(l["delivery_id"].as_str().unwrap().len() > 3);
        assert!(l["received_at"].as_str().unwrap().ends_with('Z'));
        if provider != "github" && provider != "primebot" {
            assert_eq!(l["event_type"], "order.paid", "{provider}");
        }
        assert!(l["payload"].is_object());
        assert!(stderr.contains("status=401"), "refusal reason logged: {stderr}");
        assert!(!stderr.contains(secret), "secret leaked into logs");
    }
}

#[test]
fn config_file_with_two_endpoints_and_env_secret() {
    let dir = std::env::temp_dir().join(format!("hookgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hookgate.toml");
    std::fs::write(
        &file,
        r#"
max_body_bytes = 65536
[store]
kind = "memory"
ttl_secs = 3600
[[endpoints]]
path = "/gh"
provider = "github"
secrets = ["env:HOOKGATE_TEST_SECRET"]
[[endpoints]]
path = "/tw"
provider = "twabot"
secrets = ["tw-secret"]
"#,
    )
    .unwrap();
    let (child, port) = serve_with_env(&["--config", file.to_str().unwrap()], &[("HOOKGATE_TEST_SECRET", "from-env")]);
    let gh = run(&["send", &format!("http://127.0.0.1:{port}/gh"), "--provider", "github", "--secret", "from-env"]);
    assert!(gh.status.success(), "{}", text(&gh));
    let tw = run(&["send", &format!("http://127.0.0.1:{port}/tw"), "--provider", "twabot", "--secret", "tw-secret"]);
    assert!(tw.status.success(), "{}", text(&tw));
    let (stdout, _) = stop(child);
    assert!(stdout.contains(r#""endpoint":"/gh""#) && stdout.contains(r#""endpoint":"/tw""#), "{stdout}");
}

#[test]
fn config_with_the_redis_store() {
    let Some(url) = broker_url("HOOKGATE_REDIS_URL", "config_with_the_redis_store") else { return };
    let dir = std::env::temp_dir().join(format!("hookgate-redis-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hookgate.toml");
    let path = format!("/gh-{}-{}", std::process::id(), now());
    std::fs::write(&file, format!("[store]\nkind = \"redis\"\nurl = \"{url}\"\n[[endpoints]]\npath = \"{path}\"\nprovider = \"github\"\nsecrets = [\"r\"]\n")).unwrap();
    let (child, port) = serve(&["--config", file.to_str().unwrap()]);
    let target = format!("http://127.0.0.1:{port}{path}");
    let o = run(&["send", &target, "--provider", "github", "--secret", "r", "--id", "one", "--count", "3"]);
    assert!(text(&o).contains("202     1") && text(&o).contains("200     2"), "{}", text(&o));
    let (stdout, stderr) = stop(child);
    assert_eq!(stdout.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("Redis"));
}

#[test]
fn config_errors_name_file_key_and_problem() {
    let dir = std::env::temp_dir().join(format!("hookgate-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "[[endpoints]]\npath='/a'\nprovider='nope'\nsecrets=['x']\n",
            "endpoints[0] (/a): provider: unknown provider preset `nope`",
        ),
        ("[[endpoints]]\npath='/a'\nprovider='github'\nsecrets=['']\n", "secrets[0]: the secret is empty"),
        (
            "[[endpoints]]\npath='/a'\nprovider='github'\nsecrets=['x']\n[[endpoints]]\npath='/a'\nprovider='github'\nsecrets=['y']\n",
            "endpoints[1].path: duplicate path `/a`",
        ),
        ("[[endpoints]]\npath='/a'\nprovider='github'\nsecrets=['x']\ntolerance_secs='5m'\n", "tolerance_secs"),
        (
            "[[endpoints]]\npath='/a'\nprovider='github'\nsecrets=['env:HOOKGATE_SURELY_UNSET']\n",
            "HOOKGATE_SURELY_UNSET",
        ),
        ("[[endpoints]]\npath='/a'\nprovider='standard-webhooks'\nsecrets=['whsec_!!!']\n", "not valid base64"),
        ("listen='nowhere'\n[[endpoints]]\npath='/a'\nprovider='github'\nsecrets=['x']\n", "listen"),
        (
            "[store]\nkind='disk'\n[[endpoints]]\npath='/a'\nprovider='github'\nsecrets=['x']\n",
            "store.kind: unknown store `disk`",
        ),
        ("bogus = 1\n", "unknown field `bogus`"),
    ];
    for (i, (toml, expect)) in cases.iter().enumerate() {
        let file = dir.join(format!("bad{i}.toml"));
        std::fs::write(&file, toml).unwrap();
        let o = run(&["serve", "--config", file.to_str().unwrap()]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(t.contains(file.to_str().unwrap()) && t.contains(expect), "case {i}: expected `{expect}` in: {t}");
        assert!(!t.contains("listening"), "nothing listens on a bad config");
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn verify_diagnoses_each_planted_fault() {
    let dir = std::env::temp_dir().join(format!("hookgate-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = dir.join("body.json");
    std::fs::write(&body, r#"{"id":"evt_1","type":"invoice.paid","amount":10}"#).unwrap();
    let ts = now().to_string();
    let signed = run(&[
        "sign",
        "--provider",
        "stripe",
        "--secret",
        "whsec_abc",
        "--timestamp",
        &ts,
        "--body",
        body.to_str().unwrap(),
    ]);
    assert!(signed.status.success());
    let header = String::from_utf8(signed.stdout).unwrap().trim().to_owned();
    let verify = |secret: &str, body: &std::path::Path, extra: &[&str]| {
        let mut a = vec![
            "verify",
            "--provider",
            "stripe",
            "--secret",
            secret,
            "--header",
            &header,
            "--body",
            body.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        run(&a)
    };
    let ok = verify("whsec_abc", &body, &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(text(&ok).contains("delivery id: evt_1"));

    let wrong = verify("whsec_other", &body, &[]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(text(&wrong).contains("wrong secret"), "{}", text(&wrong));

    let later = (now() + 1000).to_string();
    let stale = verify("whsec_abc", &body, &["--now", &later]);
    assert!(
        text(&stale).contains("stale by") && text(&stale).contains("signature itself is valid"),
        "{}",
        text(&stale)
    );
    let earlier = (now() - 1000).to_string();
    assert!(text(&verify("whsec_abc", &body, &["--now", &earlier])).contains("in the future"));

    let pretty = dir.join("pretty.json");
    std::fs::write(&pretty, "{\n  \"id\": \"evt_1\",\n  \"type\": \"invoice.paid\",\n  \"amount\": 10\n}").unwrap();
    let t = text(&verify("whsec_abc", &pretty, &[]));
    assert!(t.contains("body altered") && t.contains("compact JSON"), "{t}");

    let newline = dir.join("newline.json");
    std::fs::write(&newline, "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"amount\":10}\n").unwrap();
    assert!(text(&verify("whsec_abc", &newline, &[])).contains("without its trailing newline"));

    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, r#"{"id":"evt_1","type":"invoice.paid","amount":99}"#).unwrap();
    assert_eq!(verify("whsec_abc", &tampered, &[]).status.code(), Some(1));

    // A secret pasted without its prefix.
    let t = text(&verify("abc", &body, &[]));
    assert!(t.contains("secret format") && t.contains("whsec_"), "{t}");

    // Usage errors exit 2.
    assert_eq!(
        run(&[
            "verify",
            "--provider",
            "stripe",
            "--secret",
            "x",
            "--header",
            "nocolon",
            "--body",
            body.to_str().unwrap()
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(run(&["verify", "--provider", "stripe"]).status.code(), Some(2));
}

#[test]
fn sign_output_verifies_in_the_core_for_every_preset() {
    use hookgate_core::{Preset, RequestLine, Verifier, example_secret};
    let body = br#"{"id":"evt_9","type":"t","event":"e","eventId":"x","data":{"eventId":"x","message_id":"m"},"signature":{"timestamp":"TS","token":"tok"}}"#;
    let dir = std::env::temp_dir().join(format!("hookgate-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = "https://hooks.example.com/in?x=1";
    for p in Preset::ALL {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs().to_string();
        let body = String::from_utf8_lossy(body).replace("TS", &now);
        let file = dir.join("b.json");
        std::fs::write(&file, &body).unwrap();
        let secret = example_secret(p);
        let mut args = vec!["sign", "--provider", p.name(), "--secret", secret, "--id", "d1", "--event", "push"];
        args.extend(["--body", file.to_str().unwrap(), "--url", url]);
        let o = run(&args);
        assert!(o.status.success(), "{p}: {}", text(&o));
        let out = String::from_utf8(o.stdout).unwrap();
        // Mailgun signs inside the body, Linear stamps its timestamp there: the body to send
        // follows the headers after a blank line.
        let (head, sent) = match out.strip_prefix('\n') {
            Some(only_body) => ("", only_body.trim_end()),
            None => out.split_once("\n\n").map_or((out.as_str(), body.as_str()), |(h, b)| (h, b.trim_end())),
        };
        let headers: Vec<(String, String)> = head
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(": ").unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let v = Verifier::for_preset(p, &[secret]).unwrap();
        let line = RequestLine::post().url(url);
        v.verify_request(line, &headers, sent.as_bytes(), SystemTime::now()).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    // A preset that signs the URL needs it.
    let o = run(&["sign", "--provider", "twilio", "--secret", "s", "--body", dir.join("b.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--url"), "{}", text(&o));
}

#[test]
fn help_and_providers() {
    let o = run(&["--help"]);
    assert!(o.status.success());
    for cmd in ["serve", "sign", "send", "verify", "providers"] {
        assert!(text(&o).contains(cmd));
    }
    let o = run(&["providers"]);
    assert!(
        text(&o).contains("X-Hub-Signature-256")
            && text(&o).contains("sendpilot")
            && text(&o).contains("coinbase-commerce")
    );
    assert!(text(&o).contains("Public-key signatures") && text(&o).contains("42 presets"), "{}", text(&o));
    let o = run(&["providers", "twilio"]);
    assert!(
        o.status.success() && text(&o).contains("X-Twilio-Signature") && text(&o).contains("--url"),
        "{}",
        text(&o)
    );
    assert_eq!(run(&["providers", "nope"]).status.code(), Some(2));
    assert_eq!(run(&["serve"]).status.code(), Some(2));
}

/// A scripted HTTP/1.1 peer: answers the given statuses in order (then 202), counts requests.
fn scripted_server(statuses: Vec<u16>) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut out = stream;
            'requests: loop {
                let mut len = 0usize;
                let mut line = String::new();
                // Request line and headers.
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break 'requests; // connection closed: serve the next one
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                std::io::Read::read_exact(&mut reader, &mut body).unwrap();
                let n = count.fetch_add(1, Ordering::SeqCst);
                let status = statuses.get(n).copied().unwrap_or(202);
                write!(out, "HTTP/1.1 {status} X\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n").unwrap();
            }
        }
    });
    (port, seen)
}

#[test]
fn send_retries_503_and_409_only_with_retry() {
    use std::sync::atomic::Ordering;
    let (port, seen) = scripted_server(vec![503, 409]);
    let url = format!("http://127.0.0.1:{port}/hooks");
    let started = Instant::now();
    let o = run(&["send", &url, "--provider", "github", "--secret", "s", "--retry"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("202     1"), "{}", text(&o));
    assert_eq!(seen.load(Ordering::SeqCst), 3, "503, then 409, then 202");
    assert!(started.elapsed() >= Duration::from_millis(300), "backs off: 100 ms, then 200 ms");

    let (port, seen) = scripted_server(vec![503]);
    let o = run(&["send", &format!("http://127.0.0.1:{port}/hooks"), "--provider", "github", "--secret", "s"]);
    assert_eq!(o.status.code(), Some(1), "no --retry: the 503 is reported");
    assert!(text(&o).contains("503     1"), "{}", text(&o));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn a_planted_secret_never_appears_in_serve_output_even_at_trace() {
    const PLANTED: &str = "PLANTED-cli-secret-93b1";
    let (child, port) = serve_with_env(&["--provider", "stripe", "--secret", PLANTED], &[("HOOKGATE_LOG", "trace")]);
    let url = format!("http://127.0.0.1:{port}/webhooks");
    let good = run(&["send", &url, "--provider", "stripe", "--secret", PLANTED, "--id", "evt_leak", "--count", "2"]);
    assert!(text(&good).contains("202     1"), "{}", text(&good));
    let bad = run(&["send", &url, "--provider", "stripe", "--secret", "whsec_wrong"]);
    assert!(text(&bad).contains("401     1"), "{}", text(&bad));
    let (stdout, stderr) = stop(child);
    // Every line a delivery writes was there to leak it: accepted, duplicate, refused.
    for line in ["delivery accepted", "duplicate delivery", "webhook refused"] {
        assert!(stderr.contains(line), "{line} in {stderr}");
    }
    assert!(!stdout.contains(PLANTED) && !stderr.contains(PLANTED), "secret leaked:\n{stdout}\n{stderr}");
    // Nor in a config error about that secret, nor in verify's diagnosis.
    let o = run(&["serve", "--provider", "standard-webhooks", "--secret", "whsec_PLANTED-not-base64!"]);
    assert!(!o.status.success());
    assert!(!text(&o).contains("PLANTED-not-base64"), "{}", text(&o));
}

/// Says on the process's stderr (not through the test harness's captured output) that a test
/// was skipped, so a plain `cargo test` shows it.
fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {why}");
}

/// What a new user meets in the first hour, each the way they met it.
#[test]
fn first_hour_cli_fixes() {
    let dir = std::env::temp_dir().join(format!("hookgate-first-hour-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // `sign` prints three lines for GitHub; `verify --header "$(hookgate sign ...)"` takes them all.
    let body = dir.join("push.json");
    std::fs::write(&body, "{\"zen\":\"Keep it logically awesome.\"}\n").unwrap();
    let signed = run(&[
        "sign",
        "--provider",
        "github",
        "--secret",
        "s3cret",
        "--id",
        "d-1",
        "--event",
        "push",
        "--body",
        body.to_str().unwrap(),
    ]);
    let lines = String::from_utf8(signed.stdout).unwrap();
    assert_eq!(lines.lines().count(), 3, "{lines}");
    let ok = run(&[
        "verify",
        "--provider",
        "GitHub",
        "--secret",
        "s3cret",
        "--header",
        &lines,
        "--body",
        body.to_str().unwrap(),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    // The README's session: `echo` adds a newline; a pretty-printed copy is still diagnosed.
    let pretty = dir.join("pretty.json");
    std::fs::write(&pretty, "{\n  \"zen\": \"Keep it logically awesome.\"\n}").unwrap();
    let bad = run(&[
        "verify",
        "--provider",
        "github",
        "--secret",
        "s3cret",
        "--header",
        &lines,
        "--body",
        pretty.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("compact JSON") && text(&bad).contains("trailing newline"), "{}", text(&bad));

    // `send` to nothing says so first; the plural is right.
    let closed = free_port();
    let nothing =
        run(&["send", &format!("http://127.0.0.1:{closed}/webhooks"), "--provider", "github", "--secret", "s"]);
    assert_eq!(nothing.status.code(), Some(1));
    let first = text(&nothing).lines().next().unwrap_or_default().to_owned();
    assert_eq!(first, format!("0 of 1 delivered: connection refused (127.0.0.1:{closed})"), "{}", text(&nothing));

    // Host names listen; preset names in any case.
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--provider", "GitHub", "--secret", "s", "--listen", &format!("localhost:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_listening(port, &mut child);
    let one = run(&["send", &format!("http://127.0.0.1:{port}/webhooks"), "--provider", "github", "--secret", "s"]);
    assert!(text(&one).starts_with("delivered 1 of 1 delivery to "), "{}", text(&one));
    let twenty = run(&[
        "send",
        &format!("http://127.0.0.1:{port}/webhooks"),
        "--provider",
        "github",
        "--secret",
        "s",
        "--count",
        "20",
    ]);
    assert!(text(&twenty).starts_with("delivered 20 of 20 deliveries to "), "{}", text(&twenty));

    // A port in use is said before any endpoint is said to be ready.
    let busy = Command::new(BIN)
        .args(["serve", "--provider", "github", "--secret", "s", "--listen", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(busy.status.code(), Some(2));
    assert!(text(&busy).contains("already in use") && !text(&busy).contains("endpoint ready"), "{}", text(&busy));
    stop(child);

    // Unknown presets list the presets, and nothing the CLI cannot do.
    let unknown = run(&["serve", "--provider", "gitlub", "--secret", "s"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown).contains("known presets: standard-webhooks") && !text(&unknown).contains("custom"),
        "{}",
        text(&unknown)
    );

    // `serve --help` points to the config format; `config example` is a file `serve` runs.
    assert!(text(&run(&["serve", "--help"])).contains("docs/config.md"));
    let example = run(&["config", "example"]);
    assert!(example.status.success());
    let file = dir.join("hookgate.toml");
    std::fs::write(&file, &example.stdout).unwrap();
    let (child, _) = serve(&["--config", file.to_str().unwrap()]);
    let (_, stderr) = stop(child);
    assert_eq!(stderr.matches("endpoint ready").count(), 3, "{stderr}");

    // A Redis store that cannot be reached is named by its URL.
    let file = dir.join("redis-down.toml");
    let url = format!("redis://127.0.0.1:{}", free_port());
    std::fs::write(&file, format!("[store]\nkind = \"redis\"\nurl = \"{url}\"\n[[endpoints]]\npath = \"/a\"\nprovider = \"github\"\nsecrets = [\"s\"]\n")).unwrap();
    let down = run(&["serve", "--config", file.to_str().unwrap(), "--listen", &format!("127.0.0.1:{}", free_port())]);
    assert_eq!(down.status.code(), Some(2));
    assert!(text(&down).contains(&url), "{}", text(&down));
}

/// `serve --sink redis://…`: each delivery is one stream entry, duplicates are not appended, the
/// dedupe keys live in the same Redis; a broker that cannot be reached stops the start.
#[test]
fn serve_into_a_redis_stream() {
    let Some(url) = broker_url("HOOKGATE_REDIS_URL", "serve_into_a_redis_stream") else { return };
    let stream = format!("hookgate:cli-{}-{}", std::process::id(), now());
    let path = format!("/s-{}-{}", std::process::id(), now());
    let (child, port) =
        serve(&["--provider", "github", "--secret", "s", "--path", &path, "--sink", &url, "--stream", &stream]);
    let target = format!("http://127.0.0.1:{port}{path}");
    let sent = run(&[
        "send",
        &target,
        "--provider",
        "github",
        "--secret",
        "s",
        "--count",
        "20",
        "--concurrency",
        "4",
        "--duplicates",
        "0.25",
    ]);
    assert!(sent.status.success(), "{}", text(&sent));
    assert!(text(&sent).contains("202     15") && text(&sent).contains("200     5"), "{}", text(&sent));
    let (stdout, stderr) = stop(child);
    assert!(stdout.is_empty(), "deliveries go to the stream, not stdout: {stdout}");
    assert!(stderr.contains("sink: Redis stream"), "{stderr}");
    let host_port = url.trim_start_matches("redis://").trim_end_matches('/');
    let (host, port) = host_port.rsplit_once(':').unwrap();
    let xlen = Command::new("redis-cli").args(["-h", host, "-p", port, "XLEN", &stream]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&xlen.stdout).trim(), "15", "each delivery once");

    let down = run(&[
        "serve",
        "--provider",
        "github",
        "--secret",
        "s",
        "--sink",
        &format!("redis://127.0.0.1:{}", free_port()),
        "--listen",
        &format!("127.0.0.1:{}", free_port()),
    ]);
    assert_eq!(down.status.code(), Some(2));
    assert!(text(&down).contains("--wait-for-sink"), "{}", text(&down));
}

#[test]
fn sink_configuration_errors_name_the_key() {
    let dir = std::env::temp_dir().join(format!("hookgate-sink-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let endpoint = "[[endpoints]]\npath='/a'\nprovider='github'\nsecrets=['x']\n";
    for (sink, expect) in [
        ("[sink]\nkind='redis-stream'\n", "sink: url is required"),
        ("[sink]\nkind='redis-stream'\nurl='http://x'\n", "sink: url `http://x` is not a redis:// URL"),
        ("[sink]\nkind='kafka'\n", "sink: unknown sink `kafka`"),
        ("[sink]\nkind='nats'\n", "sink: url is required with kind = \"nats\""),
        ("[sink]\nkind='nats'\nurl='nats://127.0.0.1:4222'\nmax_len=5\n", "sink: max_len goes with a Redis stream"),
        ("[sink]\nkind='stdout'\nstreem='x'\n", "unknown field `streem`"),
        ("[sink]\nkind='http'\n", "sink: url is required with kind = \"http\""),
        (
            "[sink]\nkind='http'\nurl='http://127.0.0.1:1/'\ntimeout_secs=0\n",
            "sink: timeout_secs: must be greater than 0",
        ),
        (
            "[sink]\nkind='stdout'\nforward_headers=['x']\n",
            "sink: timeout_secs and forward_headers go with kind = \"http\"",
        ),
    ] {
        let file = dir.join("sink.toml");
        std::fs::write(&file, format!("{sink}{endpoint}")).unwrap();
        let o = run(&["serve", "--config", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(expect), "expected `{expect}` in {}", text(&o));
    }
    // An endpoint's own sink table is checked the same way, and named by its index.
    let file = dir.join("sink.toml");
    std::fs::write(&file, format!("{endpoint}sink = {{ kind = 'kafka' }}\n")).unwrap();
    let o = run(&["serve", "--config", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("endpoints[0].sink: unknown sink `kafka`"), "{}", text(&o));
    let flag = run(&["serve", "--provider", "github", "--secret", "s", "--sink", "kafka://x"]);
    assert_eq!(flag.status.code(), Some(2));
    assert!(text(&flag).contains("--sink") && text(&flag).contains("not a sink"), "{}", text(&flag));
}

/// `serve --sink nats://…`: each delivery is one JetStream message, duplicates are not published
/// again (the store answers them; JetStream's duplicate window would drop them too).
#[test]
fn serve_into_nats_jetstream() {
    let Some(url) = broker_url("HOOKGATE_NATS_URL", "serve_into_nats_jetstream") else { return };
    let n = format!("{}{}", std::process::id(), now());
    let (stream, subject) = (format!("CLI_{n}"), format!("hookgate.cli.{n}"));
    let (child, port) =
        serve(&["--provider", "github", "--secret", "s", "--sink", &url, "--stream", &stream, "--subject", &subject]);
    let target = format!("http://127.0.0.1:{port}/webhooks");
    let sent =
        run(&["send", &target, "--provider", "github", "--secret", "s", "--count", "12", "--duplicates", "0.25"]);
    assert!(sent.status.success() && text(&sent).contains("202     9"), "{}", text(&sent));
    let (stdout, stderr) = stop(child);
    assert!(stdout.is_empty() && stderr.contains("sink: NATS JetStream"), "{stdout}\n{stderr}");
    let stored = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut consumer = hookgate_nats::NatsConsumer::builder(&url)
            .stream(&stream)
            .durable(format!("count{n}"))
            .build()
            .await
            .unwrap();
        let mut count = 0;
        while let Ok(Ok(d)) = tokio::time::timeout(std::time::Duration::from_millis(500), consumer.next()).await {
            consumer.ack(&d).await.unwrap();
            count += 1;
        }
        count
    });
    assert_eq!(stored, 9, "each delivery once");
}

/// The broker URL in `var`: `None` (and a visible skip) when it is unset outside CI; under
/// `CI=true` an unset URL fails the test.
fn broker_url(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("{var} unset under CI=true"),
        _ => {
            skipped(&format!("{test}: {var} is not set"));
            None
        }
    }
}

/// The app behind hookgate in these tests: a real axum server on its own runtime, recording each
/// request's headers (lowercase `name: value` lines) and body, and answering what `answer` says
/// for it (given the head and how many requests came before): a status, after a delay (a long
/// delay is an app that hangs). Its body is `from-app`.
struct App {
    port: u16,
    seen: Seen,
}

/// What the app received: each request's head (lowercase) and body.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

impl App {
    fn start(answer: impl Fn(&str, usize) -> (u16, Duration) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Seen = std::sync::Arc::default();
        let record = std::sync::Arc::clone(&seen);
        let answer = std::sync::Arc::new(answer);
        let handler = move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let head: String = headers
                .iter()
                .map(|(k, v)| format!("{}: {}\n", k, String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase()))
                .collect();
            let (status, delay) = {
                let mut seen = record.lock().unwrap();
                let before = seen.len();
                let (status, delay) = answer(&head, before);
                seen.push((head, body.to_vec()));
                (status, delay)
            };
            async move {
                tokio::time::sleep(delay).await;
                (axum::http::StatusCode::from_u16(status).unwrap(), "from-app")
            }
        };
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, axum::Router::new().fallback(handler)).await.unwrap();
            });
        });
        Self { port, seen }
    }

    /// Waits up to 20 seconds until the app has received `n` requests.
    fn wait_for(&self, n: usize) {
        let start = Instant::now();
        while self.seen.lock().unwrap().len() < n {
            assert!(start.elapsed() < Duration::from_secs(20), "{} of {n} requests", self.seen.lock().unwrap().len());
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// POSTs `req` to `port` and returns the status line's code and the body.
fn post_raw(port: u16, path: &str, req: &hookgate_core::TestRequest) -> (u16, String) {
    use std::io::Write as _;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut head =
        format!("POST {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\ncontent-length: {}\r\n", req.bytes().len());
    for (k, v) in req.headers() {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(b"\r\n").unwrap();
    s.write_all(req.bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned())
}

#[test]
fn serve_forwards_to_the_app_and_passes_its_answer_back() {
    use hookgate_core::{Preset, TestRequest};
    let script = [(201, Duration::ZERO), (500, Duration::ZERO), (200, Duration::ZERO), (200, Duration::from_secs(3))];
    let app = App::start(move |_, n| script.get(n).copied().unwrap_or((200, Duration::ZERO)));
    let dir = std::env::temp_dir().join(format!("hookgate-forward-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("forward.toml");
    std::fs::write(
        &file,
        format!(
            "[sink]\nkind = \"http\"\nurl = \"http://127.0.0.1:{}/hooks\"\ntimeout_secs = 1\nforward_headers = [\"X-GitHub-Event\"]\n\
             [[endpoints]]\npath = \"/gh\"\nprovider = \"github\"\nsecrets = [\"s\"]\n",
            app.port
        ),
    )
    .unwrap();
    let (child, port) = serve(&["--config", file.to_str().unwrap()]);
    let body = "{\"zen\":\"Half measures are as bad as nothing at all.\"}\n";
    let req = TestRequest::signed(Preset::Github, "s", body)
        .id("f-1")
        .event_type("push")
        .header("content-type", "application/json");

    // The app's 201 and body come back; it got the exact body and the Hookgate-* headers.
    assert_eq!(post_raw(port, "/gh", &req), (201, "from-app".to_owned()));
    let (head, got) = app.seen.lock().unwrap()[0].clone();
    assert_eq!(got, body.as_bytes());
    for h in [
        "content-type: application/json",
        "hookgate-delivery-id: f-1",
        "hookgate-endpoint: /gh",
        "hookgate-provider: github",
        "hookgate-event-type: push",
        "hookgate-received-at: ",
        "x-github-event: push",
    ] {
        assert!(head.contains(h), "{h} in {head}");
    }
    assert!(!head.contains("x-hub-signature-256"), "the signature is not passed on unless listed");
    // Processed: a retry is a duplicate, the app is not called again.
    assert_eq!(post_raw(port, "/gh", &req).0, 200);
    assert_eq!(app.seen.lock().unwrap().len(), 1);

    // The app's 500 comes back and releases the claim: the retry reaches the app.
    let req2 = TestRequest::signed(Preset::Github, "s", "{}").id("f-2");
    assert_eq!(post_raw(port, "/gh", &req2).0, 500);
    assert_eq!(post_raw(port, "/gh", &req2).0, 200);
    // Too slow: 504, released.
    let req3 = TestRequest::signed(Preset::Github, "s", "{}").id("f-3");
    assert_eq!(post_raw(port, "/gh", &req3).0, 504);
    stop(child);

    // The app down: 502.
    let down = format!("http://127.0.0.1:{}/hooks", free_port());
    let (child, port) = serve(&["--provider", "github", "--secret", "s", "--sink", &down]);
    assert_eq!(post_raw(port, "/webhooks", &TestRequest::signed(Preset::Github, "s", "{}").id("f-4")).0, 502);
    stop(child);
}

/// `hookgate forward`: events of a Redis stream reach the app; retryable failures are retried, a
/// 4xx and an event that keeps failing are dead-lettered with their last status; SIGTERM exits 0
/// with a summary; `hookgate redrive` moves the dead letters back.
#[test]
fn forward_retries_dead_letters_and_redrives() {
    let Some(url) = broker_url("HOOKGATE_REDIS_URL", "forward_retries_dead_letters_and_redrives") else { return };
    let stream = format!("hookgate:fwd-{}-{}", std::process::id(), now());
    // Deliveries ok-*, flaky-* (503 twice, then 200), bad-* (422), down-* (503 always).
    let app = App::start(|head, _| {
        let id =
            head.lines().find_map(|l| l.strip_prefix("hookgate-delivery-id: ")).unwrap_or_default().trim().to_owned();
        let status = if id.starts_with("bad") {
            422
        } else if id.starts_with("down") {
            503
        } else {
            200
        };
        (status, Duration::ZERO)
    });
    // When each attempt of each delivery arrived, to check the waits between them.
    let arrivals: std::sync::Arc<std::sync::Mutex<Vec<(String, Instant)>>> = std::sync::Arc::default();
    let flaky_app = {
        let arrivals = std::sync::Arc::clone(&arrivals);
        App::start(move |head, n| {
            let id = head.lines().find_map(|l| l.strip_prefix("hookgate-delivery-id: ")).unwrap_or_default();
            arrivals.lock().unwrap().push((id.trim().to_owned(), Instant::now()));
            (if n < 2 { 503 } else { 200 }, Duration::ZERO)
        })
    };
    let (child, port) = serve(&["--provider", "github", "--secret", "s", "--sink", &url, "--stream", &stream]);
    // Ids of this run's own: delivery keys outlive a run in a shared Redis.
    let tag = format!("{}-{}", std::process::id(), now());
    let id = |name: &str| format!("{name}-{tag}");
    for name in ["ok-1", "ok-2", "ok-3", "bad-1", "down-1"] {
        let url = format!("http://127.0.0.1:{port}/webhooks");
        let o = run(&["send", &url, "--provider", "github", "--secret", "s", "--id", &id(name)]);
        assert!(o.status.success(), "{}", text(&o));
    }
    stop(child);

    let metrics_port = free_port();
    let forward = |to: u16, group: &str| {
        Command::new(BIN)
            .args([
                "forward",
                "--from",
                &url,
                "--stream",
                &stream,
                "--group",
                group,
                "--to",
                &format!("http://127.0.0.1:{to}/hooks"),
            ])
            .args(["--max-attempts", "3", "--backoff-ms", "20", "--timeout-secs", "2"])
            .args(["--metrics-listen", &format!("127.0.0.1:{metrics_port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let child = forward(app.port, "g1");
    // ok ×3, bad ×1, down ×3 (three attempts) = 7 requests.
    app.wait_for(7);
    std::thread::sleep(Duration::from_millis(300));
    // The metrics count what the app saw: every attempt by result, and the dead letters.
    for line in [
        r#"hookgate_forward_attempts_total{result="delivered"} 3"#,
        r#"hookgate_forward_attempts_total{result="refused"} 1"#,
        r#"hookgate_forward_attempts_total{result="retryable"} 3"#,
        "hookgate_dead_letters_total 2",
        "hookgate_forward_backlog 0",
        "hookgate_forward_in_flight 0",
    ] {
        wait_metric(metrics_port, line);
    }
    let (_, stderr) = stop(child);
    assert!(stderr.contains("forwarded 3 event(s)") && stderr.contains("2 dead-lettered"), "{stderr}");
    let seen = app.seen.lock().unwrap().clone();
    let attempts =
        |name: &str| seen.iter().filter(|(h, _)| h.contains(&format!("hookgate-delivery-id: {}", id(name)))).count();
    assert_eq!((attempts("ok-1"), attempts("bad-1"), attempts("down-1")), (1, 1, 3));

    let redis = |args: &[&str]| {
        let host_port = url.trim_start_matches("redis://").trim_end_matches('/');
        let (host, port) = host_port.rsplit_once(':').unwrap();
        let o = Command::new("redis-cli").args(["-h", host, "-p", port]).args(args).output().unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    let dead = format!("{stream}:dead");
    assert_eq!(redis(&["XLEN", &dead]), "2");
    let dead_entries = redis(&["XRANGE", &dead, "-", "+"]);
    assert!(
        dead_entries.contains("last_status") && dead_entries.contains("422") && dead_entries.contains("503"),
        "{dead_entries}"
    );

    // Redrive them; a forwarder to the flaky app (503, 503, then 200) delivers what comes back.
    let o = run(&["redrive", "--from", &url, "--stream", &stream]);
    assert!(o.status.success() && text(&o).contains("moved 2 dead letter(s)"), "{}", text(&o));
    assert_eq!(redis(&["XLEN", &dead]), "0");
    let child = forward(flaky_app.port, "g1");
    flaky_app.wait_for(4);
    std::thread::sleep(Duration::from_millis(300));
    let (_, stderr) = stop(child);
    assert!(stderr.contains("forwarded 2 event(s)") && stderr.contains("0 dead-lettered"), "{stderr}");
    // The k-th retry waited 20 ms · 2^(k-1) plus at most half of it again (jitter); 250 ms of slack
    // above for a loaded machine.
    let arrivals = arrivals.lock().unwrap().clone();
    let mut retries = 0;
    for name in ["bad-1", "down-1"] {
        let times: Vec<Instant> = arrivals.iter().filter(|(i, _)| *i == id(name)).map(|(_, t)| *t).collect();
        for (k, pair) in times.windows(2).enumerate() {
            let (wait, least) = (pair[1] - pair[0], Duration::from_millis(20 << k));
            assert!(wait >= least && wait <= least.mul_f64(1.5) + Duration::from_millis(250), "{name}: {wait:?}");
            retries += 1;
        }
    }
    assert_eq!(retries, 2, "the two 503s were each retried once: {arrivals:?}");
}

/// A forwarder SIGKILLed mid-run and restarted under the same `--consumer` name delivers every
/// event at least once; the repeats are only the posts that were in flight at the kill, and each
/// carries the same `Hookgate-Delivery-Id`, so an app deduping on that header processes every
/// event exactly once.
#[test]
fn forwarder_killed_mid_run_loses_nothing() {
    let Some(url) = broker_url("HOOKGATE_REDIS_URL", "forwarder_killed_mid_run_loses_nothing") else { return };
    let stream = format!("hookgate:kill-{}-{}", std::process::id(), now());
    let (events, concurrency) = (200, 4);
    let app = App::start(|_, _| (200, Duration::from_millis(5)));
    let (child, port) = serve(&["--provider", "github", "--secret", "s", "--sink", &url, "--stream", &stream]);
    let webhooks = format!("http://127.0.0.1:{port}/webhooks");
    let o = run(&["send", &webhooks, "--provider", "github", "--secret", "s", "--count", "200", "--concurrency", "8"]);
    assert!(o.status.success(), "{}", text(&o));
    stop(child);

    let forward = || {
        Command::new(BIN)
            .args(["forward", "--from", &url, "--stream", &stream, "--group", "g", "--consumer", "c1"])
            .args(["--to", &format!("http://127.0.0.1:{}/hooks", app.port)])
            .args(["--concurrency", &concurrency.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = forward();
    let start = Instant::now();
    app.wait_for(events / 4);
    first.kill().unwrap();
    first.wait().unwrap();
    let at_kill = app.seen.lock().unwrap().len();
    assert!(at_kill < events, "killed before the end ({at_kill} posts)");

    let second = forward();
    let ids = || -> Vec<String> {
        let seen = app.seen.lock().unwrap();
        seen.iter()
            .filter_map(|(head, _)| head.lines().find_map(|l| l.strip_prefix("hookgate-delivery-id: ")))
            .map(|id| id.trim().to_owned())
            .collect()
    };
    let distinct = |ids: &[String]| ids.iter().collect::<std::collections::HashSet<_>>().len();
    while distinct(&ids()) < events {
        assert!(start.elapsed() < Duration::from_secs(30), "{} of {events} delivered", distinct(&ids()));
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (_, stderr) = stop(second);
    let ids = ids();
    assert_eq!(ids.len(), app.seen.lock().unwrap().len(), "every post carried its delivery id");
    let repeats = ids.len() - distinct(&ids);
    assert!(repeats <= concurrency, "{repeats} repeats, at most the {concurrency} posts in flight at the kill");
    // A repeat is the same delivery: the same body under the same id.
    let seen = app.seen.lock().unwrap().clone();
    let mut bodies = std::collections::HashMap::new();
    for ((_, body), id) in seen.iter().zip(&ids) {
        assert_eq!(bodies.entry(id.clone()).or_insert_with(|| body.clone()), body, "{id}");
    }
    assert!(stderr.contains("0 dead-lettered"), "{stderr}");
}

/// A claim idle time that one retry wait and one attempt could outlast is refused before anything
/// is read: the event would be taken over mid-retry and posted twice.
#[test]
fn forward_refuses_a_claim_idle_time_shorter_than_a_retry() {
    let o =
        run(&["forward", "--from", "redis://127.0.0.1:1", "--to", "http://127.0.0.1:1/", "--claim-idle-secs", "30"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("--claim-idle-secs 30 must be longer than --max-backoff-secs + --timeout-secs (70 s)"),
        "{}",
        text(&o)
    );
}

/// Waits up to ten seconds for `line` in `GET /metrics` on `port` (gauges are refreshed each second).
fn wait_metric(port: u16, line: &str) {
    let start = Instant::now();
    loop {
        let (status, metrics) = get(port, "/metrics");
        if status == 200 && metrics.contains(line) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{line} in\n{metrics}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn get(port: u16, path: &str) -> (u16, String) {
    use std::io::Write as _;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    (
        out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0),
        out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned(),
    )
}

/// `/healthz` answers while serving; `/readyz` answers 503 naming what does not answer.
#[test]
fn health_and_readiness() {
    let (child, port) = serve(&["--provider", "github", "--secret", "s"]);
    assert_eq!(get(port, "/healthz").0, 200);
    assert_eq!(get(port, "/readyz"), (200, "ready\n".to_owned()));
    stop(child);
    let app = format!("http://127.0.0.1:{}/hooks", free_port());
    let (child, port) = serve(&["--provider", "github", "--secret", "s", "--sink", &app]);
    assert_eq!(get(port, "/healthz").0, 200);
    let (status, body) = get(port, "/readyz");
    assert_eq!(status, 503);
    assert!(body.starts_with("not ready: sink: ") && body.contains(&app), "{body}");
    stop(child);
    if let Some(url) = broker_url("HOOKGATE_REDIS_URL", "health_and_readiness (Redis part)") {
        let (child, port) = serve(&["--provider", "github", "--secret", "s", "--sink", &url]);
        assert_eq!(get(port, "/readyz"), (200, "ready\n".to_owned()));
        stop(child);
    }
    let o = run(&["serve", "--provider", "github", "--secret", "s", "--path", "/healthz"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("hookgate's own"), "{}", text(&o));
}

/// `--admin-listen`: health, readiness and metrics move off the webhooks' port.
#[test]
fn admin_listen_moves_the_operations_paths() {
    let admin = free_port();
    let addr = format!("127.0.0.1:{admin}");
    let (child, port) = serve(&["--provider", "github", "--secret", "s", "--admin-listen", &addr]);
    let url = format!("http://127.0.0.1:{port}/webhooks");
    assert!(run(&["send", &url, "--provider", "github", "--secret", "s"]).status.success());
    assert_eq!(get(admin, "/healthz").0, 200);
    assert_eq!(get(admin, "/readyz"), (200, "ready\n".to_owned()));
    let (status, metrics) = get(admin, "/metrics");
    assert_eq!(status, 200);
    let accepted = r#"hookgate_requests_total{endpoint="/webhooks",outcome="accepted",provider="github"} 1"#;
    assert!(metrics.contains(accepted), "{metrics}");
    for path in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(get(port, path).0, 404, "{path} is not on the webhooks' port");
    }
    stop(child);
    let same = format!("127.0.0.1:{port}");
    let o = run(&["serve", "--provider", "github", "--secret", "s", "--listen", &same, "--admin-listen", &same]);
    assert!(!o.status.success() && text(&o).contains("the webhooks' own address"), "{}", text(&o));
}

/// `/metrics`: the counts equal what was sent, by outcome.
#[test]
fn metrics_count_what_was_sent() {
    let (child, port) = serve(&["--provider", "github", "--secret", "s"]);
    let url = format!("http://127.0.0.1:{port}/webhooks");
    let sent = run(&["send", &url, "--provider", "github", "--secret", "s", "--count", "10", "--duplicates", "0.2"]);
    assert!(sent.status.success(), "{}", text(&sent));
    let forged = run(&["send", &url, "--provider", "github", "--secret", "not-it", "--count", "3"]);
    assert_eq!(forged.status.code(), Some(1));
    let (status, body) = get(port, "/metrics");
    stop(child);
    assert_eq!(status, 200);
    for line in [
        r#"hookgate_requests_total{endpoint="/webhooks",outcome="accepted",provider="github"} 8"#,
        r#"hookgate_requests_total{endpoint="/webhooks",outcome="duplicate",provider="github"} 2"#,
        r#"hookgate_requests_total{endpoint="/webhooks",outcome="unauthorized",provider="github"} 3"#,
        r#"hookgate_request_duration_seconds_count{endpoint="/webhooks",provider="github"} 13"#,
        r#"hookgate_sink_publish_duration_seconds_count{result="ok",sink="stdout"} 8"#,
    ] {
        assert!(body.contains(line), "{line} in:\n{body}");
    }
}

/// `--log-format json`: one JSON object per log line, a refusal with its reason, no secret.
#[test]
fn json_logs() {
    let (child, port) = serve(&["--provider", "github", "--secret", "the-secret", "--log-format", "json"]);
    let o = run(&["send", &format!("http://127.0.0.1:{port}/webhooks"), "--provider", "github", "--secret", "other"]);
    assert_eq!(o.status.code(), Some(1));
    let (_, stderr) = stop(child);
    let lines: Vec<serde_json::Value> = stderr.lines().map(|l| serde_json::from_str(l).expect(l)).collect();
    let refusal = lines.iter().find(|l| l["fields"]["message"] == "webhook refused").expect("a refusal line");
    assert_eq!(refusal["fields"]["status"], 401);
    assert!(refusal["fields"]["reason"].as_str().unwrap().contains("signature"));
    assert!(!stderr.contains("the-secret"));
}

/// `mode = "shadow"`: every request reaches the app as it came, valid or not; the verdicts are
/// logged and counted. Without an HTTP sink it is a configuration error.
#[test]
fn shadow_mode_forwards_everything_and_records_verdicts() {
    let app = App::start(|_, _| (200, Duration::ZERO));
    let dir = std::env::temp_dir().join(format!("hookgate-shadow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("shadow.toml");
    let endpoint = "[[endpoints]]\npath = \"/gh\"\nprovider = \"github\"\nsecrets = [\"s\"]\nmode = \"shadow\"\n";
    std::fs::write(
        &file,
        format!("[sink]\nkind = \"http\"\nurl = \"http://127.0.0.1:{}/hooks\"\n{endpoint}", app.port),
    )
    .unwrap();
    let (child, port) = serve(&["--config", file.to_str().unwrap()]);
    let url = format!("http://127.0.0.1:{port}/gh");
    let valid = run(&["send", &url, "--provider", "github", "--secret", "s", "--id", "sh-1"]);
    let forged = run(&["send", &url, "--provider", "github", "--secret", "not-it", "--id", "sh-2"]);
    assert!(valid.status.success() && forged.status.success(), "{} {}", text(&valid), text(&forged));
    let (_, metrics) = get(port, "/metrics");
    let (_, stderr) = stop(child);
    let seen = app.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "both reached the app");
    assert!(seen.iter().all(|(head, _)| head.contains("x-hub-signature-256: sha256=")), "as they came");
    assert!(stderr.contains("shadow verdict: verified") && stderr.contains("shadow verdict: would refuse"), "{stderr}");
    for line in [
        r#"hookgate_shadow_verdicts_total{endpoint="/gh",provider="github",verdict="verified"} 1"#,
        r#"hookgate_shadow_verdicts_total{endpoint="/gh",provider="github",verdict="refused_401"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }

    std::fs::write(&file, endpoint).unwrap();
    let o = run(&["serve", "--config", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("kind = \"http\""), "{}", text(&o));
}

/// Each `[[endpoints]]` may name its own sink: one endpoint forwards to the app, in shadow mode
/// even while the file's `[sink]` is stdout; the other prints to stdout.
#[test]
fn endpoints_may_name_their_own_sink() {
    let app = App::start(|_, _| (200, Duration::ZERO));
    let dir = std::env::temp_dir().join(format!("hookgate-per-endpoint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("two.toml");
    std::fs::write(
        &file,
        format!(
            "[sink]\nkind = \"stdout\"\n\
             [[endpoints]]\npath = \"/to-app\"\nprovider = \"github\"\nsecrets = [\"s\"]\nmode = \"shadow\"\n\
             sink = {{ kind = \"http\", url = \"http://127.0.0.1:{}/hooks\" }}\n\
             [[endpoints]]\npath = \"/to-stdout\"\nprovider = \"github\"\nsecrets = [\"s\"]\n",
            app.port
        ),
    )
    .unwrap();
    let (child, port) = serve(&["--config", file.to_str().unwrap()]);
    for (path, id) in [("/to-app", "pe-1"), ("/to-stdout", "pe-2")] {
        let url = format!("http://127.0.0.1:{port}{path}");
        let o = run(&["send", &url, "--provider", "github", "--secret", "s", "--id", id]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let (stdout, stderr) = stop(child);
    let seen = app.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{stderr}");
    assert!(seen[0].0.contains("x-github-delivery: pe-1"), "{}", seen[0].0);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("\"delivery_id\":\"pe-2\""), "{stdout}");
}

/// `hookgate forward --from nats://…`: the same, from JetStream; dead letters to `<STREAM>_DEAD`.
#[test]
fn forward_from_nats() {
    let Some(url) = broker_url("HOOKGATE_NATS_URL", "forward_from_nats") else { return };
    let tag = format!("{}{}", std::process::id(), now());
    let (stream, subject) = (format!("FWD_{tag}"), format!("hookgate.fwd.{tag}"));
    let app =
        App::start(|head, _| (if head.contains("hookgate-delivery-id: bad") { 422 } else { 200 }, Duration::ZERO));
    let (child, port) =
        serve(&["--provider", "github", "--secret", "s", "--sink", &url, "--stream", &stream, "--subject", &subject]);
    for id in [format!("ok-{tag}"), format!("bad-{tag}")] {
        let o = run(&[
            "send",
            &format!("http://127.0.0.1:{port}/webhooks"),
            "--provider",
            "github",
            "--secret",
            "s",
            "--id",
            &id,
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    stop(child);
    let metrics_port = free_port();
    let child = Command::new(BIN)
        .args([
            "forward",
            "--from",
            &url,
            "--stream",
            &stream,
            "--group",
            "g",
            "--to",
            &format!("http://127.0.0.1:{}/h", app.port),
        ])
        .args(["--max-attempts", "2", "--backoff-ms", "20"])
        .args(["--metrics-listen", &format!("127.0.0.1:{metrics_port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    app.wait_for(2);
    std::thread::sleep(Duration::from_millis(500));
    for line in ["hookgate_dead_letters_total 1", "hookgate_forward_backlog 0"] {
        wait_metric(metrics_port, line);
    }
    let (_, stderr) = stop(child);
    assert!(stderr.contains("forwarded 1 event(s)") && stderr.contains("1 dead-lettered"), "{stderr}");
    let o = run(&["redrive", "--from", &url, "--stream", &stream]);
    assert!(o.status.success() && text(&o).contains("moved 1 dead letter(s)"), "{}", text(&o));
}

/// Handshakes through `hookgate serve`: answered by hookgate, counted as `handshake`, never
/// printed as deliveries; a tampered one is refused like any delivery.
#[test]
fn serve_answers_provider_handshakes() {
    use hookgate_core::{Preset, SignOptions, TestRequest};
    let (child, port) = serve(&["--provider", "slack", "--secret", "s3cret"]);
    let req = TestRequest::signed(Preset::Slack, "s3cret", r#"{"type":"url_verification","challenge":"ch-123"}"#);
    assert_eq!(post_raw(port, "/webhooks", &req), (200, "ch-123".into()));
    let tampered = req.clone().tampered(r#"{"type":"url_verification","challenge":"ch-124"}"#);
    assert_eq!(post_raw(port, "/webhooks", &tampered).0, 401);
    let metrics = get(port, "/metrics").1;
    assert!(metrics.contains(r#"outcome="handshake""#), "{metrics}");
    let (stdout, _) = stop(child);
    assert!(stdout.is_empty(), "a handshake is not a delivery: {stdout}");

    let (child, port) = serve(&["--provider", "meta", "--secret", "s3cret", "--verify-token", "tok"]);
    assert_eq!(get(port, "/webhooks?hub.mode=subscribe&hub.verify_token=tok&hub.challenge=42"), (200, "42".into()));
    assert_eq!(get(port, "/webhooks?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42").0, 401);
    assert_eq!(get(port, "/webhooks").0, 405);
    stop(child);

    // X's CRC answer is the HMAC of the token, as a delivery of that body would be signed.
    let (child, port) = serve(&["--provider", "x", "--secret", "consumer-secret"]);
    let (status, body) = get(port, "/webhooks?crc_token=abc");
    let scheme = Preset::X.scheme();
    let secret = hookgate_core::Secret::for_scheme(&scheme, "consumer-secret").unwrap();
    let expected = scheme.sign(&secret, b"abc", &SignOptions::default()).unwrap().remove(0).1;
    assert_eq!((status, body), (200, format!(r#"{{"response_token":"{expected}"}}"#)));
    stop(child);
}

/// A preset that signs the URL verifies against `--public-url`, and refuses to start without a
/// way to know the URL.
#[test]
fn serve_verifies_url_signing_presets_against_the_public_url() {
    use hookgate_core::{Preset, TestRequest};
    let url = "https://hooks.example.com/twilio";
    let o = run(&["serve", "--provider", "twilio", "--secret", "s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("public_url") && text(&o).contains("signs the request URL"), "{}", text(&o));

    let (child, port) = serve(&["--provider", "twilio", "--secret", "auth-token", "--public-url", url]);
    let body = "AccountSid=AC1&Body=Hello+there&From=%2B15550001&MessageSid=SM1";
    let req = TestRequest::signed(Preset::Twilio, "auth-token", body).url(url).without("host");
    assert_eq!(post_raw(port, "/webhooks", &req).0, 202);
    let elsewhere = TestRequest::signed(Preset::Twilio, "auth-token", body).url("https://other.example.com/twilio");
    assert_eq!(post_raw(port, "/webhooks", &elsewhere.without("host")).0, 401);
    let (stdout, _) = stop(child);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
}
