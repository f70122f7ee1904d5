//! Results: one row per scenario, target and case; printed as tables with
//! the Caretaker/peer ratio, and written as JSON.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};

pub struct Row {
    pub scenario: &'static str,
    pub target: String,
    pub case: String,
    pub metrics: Vec<(&'static str, f64)>,
}

impl Row {
    pub fn new(scenario: &'static str, target: &str, case: impl Into<String>) -> Row {
        Row {
            scenario,
            target: target.to_string(),
            case: case.into(),
            metrics: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: f64) -> Row {
        self.metrics.push((name, value));
        self
    }

    fn to_json(&self) -> Value {
        let metrics: BTreeMap<&str, f64> = self.metrics.iter().copied().collect();
        json!({
            "scenario": self.scenario,
            "target": self.target,
            "case": self.case,
            "metrics": metrics,
        })
    }
}

/// Prints the rows of one scenario as a table, then for each case the
/// ratio of the first target's figures to the second's.
pub fn print_table(title: &str, rows: &[&Row]) {
    println!("\n== {title}");
    let Some(first) = rows.first() else {
        println!("  (no results)");
        return;
    };
    let names: Vec<&str> = first.metrics.iter().map(|(name, _)| *name).collect();
    let widths: Vec<usize> = names.iter().map(|name| name.len().max(8) + 2).collect();
    let case_width = rows
        .iter()
        .map(|row| row.case.len())
        .max()
        .unwrap_or(4)
        .max(6);
    let line = |target: &str, case: &str, cells: Vec<String>| {
        let cells: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:>width$}"))
            .collect();
        println!("  {target:<10} {case:<case_width$} {}", cells.join(""));
    };
    line(
        "target",
        "case",
        names.iter().map(|name| name.to_string()).collect(),
    );
    for row in rows {
        line(
            &row.target,
            &row.case,
            row.metrics.iter().map(|(_, v)| format_value(*v)).collect(),
        );
    }
    for (case, ratio) in ratios(rows) {
        line(
            "ratio",
            &case,
            ratio.into_iter().map(format_value).collect(),
        );
    }
    if let Some(names) = ratio_names(rows) {
        println!("  (ratio = {names}, metric by metric)");
    }
}

fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e12 {
        format!("{value:.0}")
    } else if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

/// First target / second target, metric by metric, for each case both ran.
fn ratios(rows: &[&Row]) -> Vec<(String, Vec<f64>)> {
    let mut targets: Vec<&str> = Vec::new();
    for row in rows {
        if !targets.contains(&row.target.as_str()) {
            targets.push(&row.target);
        }
    }
    let [first, second, ..] = targets[..] else {
        return Vec::new();
    };
    let mut result = Vec::new();
    for mine in rows.iter().filter(|row| row.target == first) {
        let peer = rows
            .iter()
            .find(|row| row.target == second && row.case == mine.case);
        if let Some(peer) = peer {
            let values = mine
                .metrics
                .iter()
                .zip(&peer.metrics)
                .map(|((_, a), (_, b))| if *b == 0.0 { 0.0 } else { a / b })
                .collect();
            result.push((mine.case.clone(), values));
        }
    }
    result
}

fn ratio_names(rows: &[&Row]) -> Option<String> {
    let first = rows.first()?;
    let second = rows.iter().find(|row| row.target != first.target)?;
    Some(format!("{}/{}", first.target, second.target))
}

pub fn write_json(
    path: &Path,
    machine: Value,
    rows: &[Row],
    failures: &[String],
) -> anyhow::Result<()> {
    let document = json!({
        "machine": machine,
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
        "failures": failures,
    });
    std::fs::write(path, serde_json::to_string_pretty(&document)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `nproc`, kernel and memory of this machine, for the JSON and the tables.
pub fn machine() -> Value {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_total = meminfo.lines().next().unwrap_or_default();
    json!({
        "cores": cores,
        "kernel": kernel.trim(),
        "memory": mem_total.trim_start_matches("MemTotal:").trim(),
    })
}
