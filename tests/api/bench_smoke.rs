//! The benchmark harness at its smoke size, against a `caretaker channels`
//! and a `caretaker serve` it starts itself. It checks what the harness
//! reports, never how fast anything was.

use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::helpers::TempDir;

fn rows<'a>(report: &'a Value, scenario: &str) -> Vec<&'a Value> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["scenario"] == scenario)
        .collect()
}

fn metric(row: &Value, name: &str) -> f64 {
    row["metrics"][name]
        .as_f64()
        .unwrap_or_else(|| panic!("{} has no {name}: {row}", row["case"]))
}

/// One smoke run shared by the tests of this module: it takes seconds.
fn smoke_report() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        let folder = TempDir::new();
        run_smoke(&format!("{}/bench.json", folder.path))
    })
}

fn run_smoke(json: &str) -> Value {
    let status = Command::new(env!("CARGO_BIN_EXE_caretaker-bench"))
        .args(["run", "--smoke", "--json", json])
        .args(["--scenarios", "idle,latency,fanout,throughput,pages,app"])
        .args(["--caretaker-bin", env!("CARGO_BIN_EXE_caretaker")])
        .env_remove("PUSHER_APP_KEY")
        .env_remove("PUSHER_APP_SECRET")
        .env_remove("PUSHER_APP_ID")
        .status()
        .unwrap();
    assert!(status.success(), "the smoke run failed: {status}");
    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap()
}

#[test]
fn the_smoke_run_holds_every_connection_and_delivers_every_event() {
    let report = smoke_report();

    assert_eq!(report["failures"].as_array().unwrap().len(), 0);
    let idle = rows(report, "idle");
    assert_eq!(idle.len(), 2);
    for row in idle {
        let wanted: f64 = row["case"].as_str().unwrap()[2..].parse().unwrap();
        assert_eq!(metric(row, "open"), wanted, "{row}");
        assert!(metric(row, "rss_after_kib") > 0.0, "{row}");
    }
    for row in rows(report, "private_latency") {
        assert!(metric(row, "sent") > 0.0, "{row}");
        assert_eq!(metric(row, "delivered"), metric(row, "sent"), "{row}");
        assert_eq!(metric(row, "trigger_errors"), 0.0, "{row}");
    }
    let fanout = rows(report, "fanout");
    assert_eq!(fanout.len(), 2);
    for row in fanout {
        assert_eq!(metric(row, "delivered"), metric(row, "expected"), "{row}");
    }
    let throughput = rows(report, "throughput");
    assert_eq!(throughput.len(), 2);
    assert!(metric(throughput[0], "triggers_ok") > 0.0);
    assert_eq!(metric(throughput[0], "errors"), 0.0);
    assert_eq!(
        metric(throughput[1], "delivered"),
        metric(throughput[1], "triggers_ok")
    );
}

#[test]
fn the_smoke_run_serves_the_pages_of_a_seeded_app() {
    let report = smoke_report();

    let pages = rows(report, "pages");
    let served = |path: &str| {
        let row = pages.iter().find(|row| row["case"] == path).unwrap();
        metric(row, "ok")
    };
    assert!(served("/healthz") > 0.0);
    assert!(served("/") > 0.0);
}

#[test]
fn the_smoke_run_delivers_every_badge_of_its_assignments() {
    let report = smoke_report();

    let assigned = rows(report, "app_assign");
    assert_eq!(assigned.len(), 1);
    let row = assigned[0];
    assert!(metric(row, "assigned") > 0.0, "{row}");
    assert!(
        metric(row, "expected_events") >= metric(row, "assigned"),
        "{row}"
    );
    assert_eq!(
        metric(row, "delivered"),
        metric(row, "expected_events"),
        "{row}"
    );
}
