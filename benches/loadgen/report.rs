//! Printing a scenario's results: one JSON line (for scripts) and one human-readable row.
//!
//! A scenario variant (say `fanout` with 1,000 clients) runs several times; each figure is
//! reported as the median over the runs that succeeded, with the spread (min-max) beside it,
//! because these machines are shared and a single run can be off by tens of percent. A figure
//! that could not be measured (no samples) is `null` in JSON and `-` in the row.

use crate::common::Figures;
use crate::stats::{self, Spread};
use serde_json::{Value, json};

/// One scenario with its parameters, e.g. `fanout` with `clients: 1000, rate: 50`.
pub struct Variant {
    pub scenario: &'static str,
    pub params: Vec<(&'static str, Value)>,
}

/// Facts about the whole bench, repeated in each JSON line so that a line stands alone.
pub struct Setting {
    pub pinned: bool,
    pub quick: bool,
}

/// Prints the JSON line and the human row for `v`, from its runs' results.
/// `discarded` runs were thrown away because other work disturbed them.
pub fn print(v: &Variant, setting: &Setting, runs: &[Result<Figures, String>], discarded: usize) {
    let ok: Vec<&Figures> = runs.iter().filter_map(|r| r.as_ref().ok()).collect();
    let failures: Vec<&String> = runs.iter().filter_map(|r| r.as_ref().err()).collect();
    let mut notes: Vec<&String> = Vec::new();
    for n in ok.iter().flat_map(|f| &f.notes) {
        if !notes.contains(&n) && notes.len() < 8 {
            notes.push(n);
        }
    }
    let figures = summarize(&ok);
    // Built field by field so that the line reads in a fixed order, scenario first.
    let mut fields: Vec<(&str, Value)> = vec![("scenario", v.scenario.into())];
    fields.extend(v.params.iter().map(|(k, val)| (*k, val.clone())));
    fields.push(("runs", runs.len().into()));
    fields.push(("runs_ok", ok.len().into()));
    fields.push(("runs_discarded_disturbed", discarded.into()));
    fields.push(("pinned", setting.pinned.into()));
    fields.push(("quick", setting.quick.into()));
    for (name, s) in &figures {
        let val = s.map_or(
            Value::Null,
            |s| json!({"median": round(s.median), "min": round(s.min), "max": round(s.max)}),
        );
        fields.push((name, val));
    }
    fields.push(("failures", json!(failures)));
    fields.push(("notes", json!(notes)));
    let body: Vec<String> = fields
        .iter()
        .map(|(k, val)| format!("{}:{val}", json!(k)))
        .collect();
    println!("{{{}}}", body.join(","));
    println!("{}", row(v, &figures, ok.len(), runs.len(), discarded));
    for f in failures {
        println!("    run failed: {f}");
    }
    for n in notes {
        println!("    note: {n}");
    }
}

/// Each figure's spread over the runs, in the order of the first run.
fn summarize(runs: &[&Figures]) -> Vec<(&'static str, Option<Spread>)> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .values
        .iter()
        .map(|(name, _)| {
            let vals: Vec<f64> = runs
                .iter()
                .filter_map(|f| f.values.iter().find(|(n, _)| n == name).map(|(_, v)| *v))
                .collect();
            (*name, stats::spread(&vals))
        })
        .collect()
}

/// `fanout clients=1000 rate=50 [3/3 runs] p99_ms 8.1 (7.2-9.9) ...`
fn row(
    v: &Variant,
    figures: &[(&'static str, Option<Spread>)],
    ok: usize,
    runs: usize,
    discarded: usize,
) -> String {
    let params: Vec<String> = v
        .params
        .iter()
        .map(|(k, val)| format!("{k}={val}"))
        .collect();
    let redone = match discarded {
        0 => String::new(),
        n => format!(", {n} disturbed run(s) redone"),
    };
    let mut out = format!(
        "{:<11} {} [{ok}/{runs} runs{redone}]",
        v.scenario,
        params.join(" ")
    );
    for (name, s) in figures {
        let shown = match s {
            None => "-".to_string(),
            Some(s) if s.min == s.max => num(s.median),
            Some(s) => format!("{} ({}–{})", num(s.median), num(s.min), num(s.max)),
        };
        out.push_str(&format!("  {name} {shown}"));
    }
    out
}

/// Three decimals are plenty for every figure printed (ms, µs, KiB, %).
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A number with as many decimals as its size deserves.
fn num(x: f64) -> String {
    match x.abs() {
        a if a >= 100.0 || x.fract() == 0.0 => format!("{x:.0}"),
        a if a >= 10.0 => format!("{x:.1}"),
        a if a >= 1.0 => format!("{x:.2}"),
        _ => format!("{x:.3}"),
    }
}
