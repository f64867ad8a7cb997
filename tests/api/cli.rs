//! The `oneroster` binary: configuration errors, client management, serving and shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn oneroster() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oneroster"));
    c.env("ONEROSTER_LOG", "warn");
    c
}

#[test]
fn invalid_configuration_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("x.db").display());
    for (args, expected) in [
        (
            vec!["--max-page-size", "0"],
            "--max-page-size must be between 1 and 1000000",
        ),
        (
            vec!["--public-url", "example.org"],
            "--public-url must start with http:// or https://",
        ),
        (
            vec!["--token-lifetime-secs", "5"],
            "--token-lifetime-secs must be between 60 and 86400",
        ),
        (
            vec!["--signing-key-file", "/nonexistent/key.pem"],
            "cannot read --signing-key-file",
        ),
        (
            vec!["--listen", "not-an-address"],
            "invalid value 'not-an-address' for '--listen",
        ),
    ] {
        let out = oneroster()
            .args(["serve", "--database-url", &db])
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let out = oneroster()
        .args(["serve", "--database-url", "mysql://x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
}

#[test]
fn help_documents_every_setting() {
    let out = oneroster().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for setting in [
        "ONEROSTER_DATABASE_URL",
        "ONEROSTER_LISTEN",
        "ONEROSTER_PUBLIC_URL",
        "ONEROSTER_SIGNING_KEY_FILE",
        "ONEROSTER_TOKEN_LIFETIME_SECS",
        "ONEROSTER_MAX_PAGE_SIZE",
        "ONEROSTER_POOL_SIZE",
        "ONEROSTER_REQUEST_TIMEOUT_SECS",
        "ONEROSTER_MAX_BODY_BYTES",
        "ONEROSTER_TOMBSTONE_RETENTION_DAYS",
    ] {
        assert!(help.contains(setting), "{setting} missing from --help");
    }
}

#[test]
fn clients_can_be_created_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("c.db").display());
    let out = oneroster()
        .args([
            "clients",
            "--database-url",
            &db,
            "create",
            "--name",
            "Acme LMS",
        ])
        .args(["--scopes", "roster.readonly,gradebook.createput"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("client id:"))
        .unwrap()
        .trim()
        .to_string();
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("client secret:"))
        .unwrap()
        .trim()
        .to_string();
    assert!(secret.len() >= 40);
    let list = oneroster()
        .args(["clients", "--database-url", &db, "list"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(
        listing.contains(&id) && listing.contains("active"),
        "{listing}"
    );
    assert!(
        listing.contains("roster.readonly,gradebook.createput"),
        "{listing}"
    );
    assert!(!listing.contains(&secret), "secrets are never listed");
    let bad = oneroster()
        .args([
            "clients",
            "--database-url",
            &db,
            "create",
            "--name",
            "x",
            "--scopes",
            "roster",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown scope 'roster'"));
    let revoke = oneroster()
        .args(["clients", "--database-url", &db, "revoke", &id])
        .output()
        .unwrap();
    assert!(revoke.status.success());
    let list = oneroster()
        .args(["clients", "--database-url", &db, "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("revoked"));
    let again = oneroster()
        .args(["clients", "--database-url", &db, "revoke", &id])
        .output()
        .unwrap();
    assert!(!again.status.success());
}

/// `serve --demo` answers with real data and stops cleanly on SIGTERM; the embedded default
/// keeps its data (and its signing key) in one file.
#[cfg(unix)]
#[test]
fn serve_demo_answers_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = oneroster()
        .current_dir(dir.path())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut secret = String::new();
    let mut addr = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(s) = line.strip_prefix("demo client secret:") {
            secret = s.trim().to_string();
        }
        if let Some(rest) = line.strip_prefix("listening on http://") {
            addr = rest.split_whitespace().next().unwrap().to_string();
            break;
        }
    }
    assert!(!secret.is_empty() && !addr.is_empty());
    assert!(dir.path().join("oneroster.db").exists());

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let body = "grant_type=client_credentials";
        let auth = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("demo-client:{secret}"),
        );
        let req = format!(
            "POST /oauth/token HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut res = String::new();
        stream.read_to_string(&mut res).await.unwrap();
        assert!(res.starts_with("HTTP/1.1 200"), "{res}");
        assert!(res.contains("access_token"));
    });

    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}
