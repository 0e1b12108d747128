//! The `satark` binary itself refuses an exposed configuration with development
//! secrets: a message naming the settings on stderr, a non-zero exit, nothing bound.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the refusal may take before the test gives up on the process.
const BOUND: Duration = Duration::from_secs(20);

#[test]
fn satark_serve_exits_non_zero_naming_the_settings() {
    let data_dir = std::env::temp_dir().join(format!("satark-refuse-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_satark"))
        .arg("serve")
        // Port 0: if it did start (the bug this test is for), it would take a free port
        // rather than collide with anything.
        .env("SATARK_BIND", "0.0.0.0")
        .env("SATARK_PORT", "0")
        .env("SATARK_DATA_DIR", &data_dir)
        .env_remove("SATARK_WHATSAPP_APP_SECRET")
        .env_remove("SATARK_WHATSAPP_VERIFY_TOKEN")
        .env_remove("SATARK_WHATSAPP_ACCESS_TOKEN")
        .env_remove("SATARK_GRAPH_BASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run satark");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("satark serve kept running with development secrets on 0.0.0.0");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!status.success(), "exit status {status}");
    for setting in [
        "SATARK_BIND=0.0.0.0",
        "SATARK_WHATSAPP_APP_SECRET",
        "SATARK_WHATSAPP_VERIFY_TOKEN",
    ] {
        assert!(stderr.contains(setting), "{setting} not named in: {stderr}");
    }
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("running"),
        "it claims to run"
    );
    assert!(!data_dir.exists(), "the data directory was created");
}
