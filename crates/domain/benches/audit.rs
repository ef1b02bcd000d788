//! Batch eligibility audit over a synthetic province, and the latency of the
//! explaining audit. `BIYE_BENCH_CANDIDATES` shrinks the province for a
//! quick look; the target is 2,000,000 candidates × 30 rows.

use domain::graduation::bench::{
    BenchFigures, explained_latency, run, run_parallel, synthetic_province,
};

const ROWS_PER_CANDIDATE: usize = 30;
const RUNS: usize = 5;
const EXPLAINED_SAMPLES: usize = 10_000;

fn main() {
    let candidates = std::env::var("BIYE_BENCH_CANDIDATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let province = synthetic_province(candidates, ROWS_PER_CANDIDATE, 2024);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));

    let one = median_of(|| run(&province));
    report(&one);
    let many = median_of(|| run_parallel(&province, threads));
    report(&many);

    let share = |n: usize| 100.0 * n as f64 / one.candidates.max(1) as f64;
    let failing: Vec<String> = "abcdef"
        .chars()
        .zip(one.failing)
        .map(|(letter, n)| format!("{letter} {:.1}%", share(n)))
        .collect();
    println!(
        "eligible: {} of {} ({:.1}%); failing {}",
        one.eligible,
        one.candidates,
        share(one.eligible),
        failing.join(", ")
    );

    let latency = explained_latency(&province, EXPLAINED_SAMPLES);
    println!(
        "explained audit: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs over {} candidates",
        micros(latency.p50),
        micros(latency.p99),
        micros(latency.max),
        latency.samples
    );
}

/// The median of several runs, so one scheduling hiccup does not decide the figure.
fn median_of(mut measure: impl FnMut() -> BenchFigures) -> BenchFigures {
    let mut runs: Vec<BenchFigures> = (0..RUNS).map(|_| measure()).collect();
    runs.sort_by_key(|f| f.elapsed);
    runs.swap_remove(RUNS / 2)
}

fn report(f: &BenchFigures) {
    let plural = if f.threads == 1 { "thread" } else { "threads" };
    println!(
        "audit: {} rows in {:.3} s = {:.0} rows/s ({} {plural})",
        f.rows,
        f.elapsed.as_secs_f64(),
        f.rows_per_sec,
        f.threads
    );
}

fn micros(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
