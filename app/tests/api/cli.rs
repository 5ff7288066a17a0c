//! The `app` binary as an operator runs it: exit codes, one-line errors, graceful stop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const APP: &str = env!("CARGO_BIN_EXE_app");

/// The binary with a clean environment: only the variables a test gives.
fn app_command(dir: &std::path::Path, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(APP);
    command
        .env_clear()
        .current_dir(dir)
        .env("MEANDER_DATABASE__DATA_DIR", dir.join("data"))
        .env("MEANDER_DEMO__ENABLED", "false")
        .env("MEANDER_SERVER__PORT", "0")
        .env("MEANDER_LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in vars {
        command.env(key, value);
    }
    command
}

fn run(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    app_command(dir.path(), vars).args(args).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_unknown_setting_exits_2_with_one_line_naming_it() {
    let output = run(&[("MEANDER_SERVER__PROT", "9")], &["migrate"]);

    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("prot"), "{err}");
}

/// Shopify settings with a current key and, when given, retired ones.
fn shopify_keys(retired: &str) -> Vec<(&str, &str)> {
    vec![
        ("MEANDER_SHOPIFY__API_KEY", "client-id"),
        ("MEANDER_SHOPIFY__API_SECRET", "shpss_secret"),
        (
            "MEANDER_SHOPIFY__TOKEN_ENCRYPTION_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ),
        ("MEANDER_SHOPIFY__RETIRED_TOKEN_ENCRYPTION_KEYS", retired),
    ]
}

#[test]
fn rotate_token_key_reseals_and_reports_what_it_found() {
    let retired = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=, \
                   AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let output = run(&shopify_keys(retired), &["rotate-token-key"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let log = String::from_utf8_lossy(&output.stdout).into_owned() + &stderr(&output);
    assert!(
        log.contains("0 resealed, 0 already current, 0 unreadable"),
        "{log}"
    );
    assert!(!log.contains("a2V5a2V5"), "no key in the log: {log}");
}

#[test]
fn rotate_token_key_refuses_a_retired_key_that_is_not_a_key() {
    let output = run(&shopify_keys("c2hvcnQ="), &["rotate-token-key"]);

    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("shopify.retired_token_encryption_keys"),
        "{err}"
    );
    assert!(!err.contains("c2hvcnQ"), "no key in the log: {err}");
}

#[test]
fn a_malformed_setting_exits_2_naming_it() {
    let output = run(
        &[("MEANDER_DATABASE__MAX_CONNECTIONS", "many")],
        &["migrate"],
    );

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("max_connections"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_database_url_of_an_unsupported_kind_exits_2() {
    let output = run(
        &[("DATABASE_URL", "mysql://root@localhost/x")],
        &["migrate"],
    );

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("database.url"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unreachable_database_exits_1_without_leaking_the_password() {
    let output = run(
        &[(
            "DATABASE_URL",
            "postgres://meander:s3cret-pw@127.0.0.1:1/meander",
        )],
        &["migrate"],
    );

    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("cannot connect to the database"), "{err}");
    assert!(!err.contains("s3cret-pw"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_corrupt_sqlite_file_exits_1_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let garbage = b"this is not a database, it is a shopping list".repeat(200);
    std::fs::write(data.join("meander.db"), &garbage).unwrap();

    let output = app_command(dir.path(), &[])
        .arg("migrate")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("not a database"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(std::fs::read(data.join("meander.db")).unwrap(), garbage);
}

#[test]
fn a_port_in_use_exits_1_naming_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();

    let output = run(&[("MEANDER_SERVER__PORT", &port)], &["serve"]);

    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn migrate_applies_the_schema_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();

    let output = app_command(dir.path(), &[])
        .arg("migrate")
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("data/meander.db").is_file());
}

/// Reads the JSON log until the "listening" line and returns the base URL it names.
fn wait_for_listening(child: &mut Child) -> String {
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if entry["message"] == "Meander is listening" {
            return entry["base"].as_str().unwrap().to_owned();
        }
    }
    panic!("the app never logged that it listens");
}

fn wait_for_exit(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn sigterm_stops_the_server_gracefully_within_30_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = app_command(dir.path(), &[]).arg("serve").spawn().unwrap();
    let base = wait_for_listening(&mut child);
    let health = reqwest::blocking::get(format!("{base}/healthz")).unwrap();
    assert_eq!(health.status(), 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let status = wait_for_exit(&mut child, crate::helpers::BACKGROUND_WORK);
    let Some(status) = status else {
        child.kill().unwrap();
        panic!("still running 30 s after SIGTERM");
    };
    assert!(status.success(), "{status:?}");
}

/// The running binary's stdout lines as they come, once it listens, and its base URL.
async fn listening(child: &mut Child) -> (Lines, String) {
    let lines = collect_lines(child);
    let listens = logs(&lines, "Meander is listening").await;
    assert!(listens, "the app never listened");
    let base = lines
        .lock()
        .unwrap()
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|e| e["base"].as_str().map(str::to_owned))
        .unwrap();
    (lines, base)
}

/// Whether the binary logs a line containing `needle` before the deadline.
async fn logs(lines: &Lines, needle: &str) -> bool {
    crate::helpers::eventually(crate::helpers::BACKGROUND_WORK, || async {
        lines.lock().unwrap().iter().any(|l| l.contains(needle))
    })
    .await
}

/// A binary's stdout lines, shared with the thread that reads them.
type Lines = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Every stdout line of a running binary, collected by a thread as they come.
fn collect_lines(child: &mut Child) -> Lines {
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stdout = child.stdout.take().unwrap();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

#[tokio::test]
async fn an_install_and_admin_calls_leave_no_credential_in_the_log() {
    use crate::helpers::{API_KEY, API_SECRET, TOKEN_KEY};
    let fake = shopify::fake::FakeShopify::start(API_KEY, API_SECRET);
    let dir = tempfile::tempdir().unwrap();
    let template = fake.shop_url_template();
    let mut child = app_command(
        dir.path(),
        &[
            ("MEANDER_SHOPIFY__API_KEY", API_KEY),
            ("MEANDER_SHOPIFY__API_SECRET", API_SECRET),
            ("MEANDER_SHOPIFY__TOKEN_ENCRYPTION_KEY", TOKEN_KEY),
            ("MEANDER_SHOPIFY__SHOP_URL_TEMPLATE", &template),
        ],
    )
    .args(["serve", "--no-worker"])
    .spawn()
    .unwrap();
    let (lines, base) = listening(&mut child).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = |r: &reqwest::Response| r.headers()["location"].to_str().unwrap().to_owned();

    let shop = "quiet-logs.myshopify.com";
    let install = client
        .get(format!("{base}/auth?shop={shop}"))
        .send()
        .await
        .unwrap();
    let consent = client.get(location(&install)).send().await.unwrap();
    let callback = location(&consent);
    let code = callback
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("code="))
        .unwrap()
        .to_owned();
    let installed = client.get(&callback).send().await.unwrap();
    let domain = entity::ShopDomain::parse(shop).unwrap();
    let session = fake.session_token(&domain, chrono::Utc::now().timestamp());
    let forged = format!("{session}x");
    for token in [&session, &forged] {
        client
            .get(format!(
                "{base}/admin/api/session?shop={shop}&id_token={token}"
            ))
            .send()
            .await
            .unwrap();
    }
    // A valid session token of a shop not installed yet, while Shopify's token endpoint is
    // down: the 503 is logged as an error with its cause chain.
    let stranded = "outage-logs.myshopify.com";
    let stranded_session = fake.session_token(
        &entity::ShopDomain::parse(stranded).unwrap(),
        chrono::Utc::now().timestamp(),
    );
    fake.fail_next_token_requests(1);
    let outage = client
        .get(format!(
            "{base}/admin/api/session?shop={stranded}&id_token={stranded_session}"
        ))
        .send()
        .await
        .unwrap();
    let logged = logs(&lines, "app installed").await && logs(&lines, stranded).await;
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(installed.status(), 302);
    assert_eq!(outage.status(), 503);
    assert!(logged, "the install or the outage was never logged");
    let log = lines.lock().unwrap().join("\n");
    assert!(log.contains("/auth/callback"), "requests are logged");
    for secret in [&code, &session, &forged, &stranded_session] {
        assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
    }
}

#[tokio::test]
async fn shopper_mistakes_and_favicons_log_one_short_line_and_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = app_command(dir.path(), &[]).arg("serve").spawn().unwrap();
    let (lines, base) = listening(&mut child).await;

    let favicon = reqwest::get(format!("{base}/favicon.ico")).await.unwrap();
    let missing = reqwest::get(format!("{base}/no-such-page")).await.unwrap();
    let logged = logs(&lines, "no-such-page").await;
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(favicon.status(), 200);
    assert_eq!(favicon.headers()["content-type"], "image/svg+xml");
    assert_eq!(missing.status(), 404);
    assert!(logged, "the 404 was not logged");
    let lines = lines.lock().unwrap();
    let warnings: Vec<&String> = lines.iter().filter(|l| l.contains("\"WARN\"")).collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    let rejected: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("no-such-page"))
        .collect();
    assert_eq!(rejected.len(), 1, "{rejected:#?}");
    assert!(
        !lines.iter().any(|l| l.contains("favicon")),
        "favicons are not news"
    );
}
