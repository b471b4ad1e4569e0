//! Interleaved measurement: many short rounds, every variant once per
//! round in a rotating order, and statistics over per-round ratios.
//!
//! On a shared machine the speed of the whole machine drifts by ±10 %
//! within seconds. Timing each variant in a long block of its own would
//! turn that drift into differences between variants. Here every round
//! runs every variant of one operation back to back, for the same number
//! of iterations (a *batch*), so all of them see nearly the same machine;
//! dividing each variant's time by the floor's time of the same round
//! cancels the drift, and the median over rounds discards the rounds an
//! interrupt or another process spoiled. The order rotates each round so
//! that no variant always runs first (cold) or right after a given other.

use std::time::{Duration, Instant};

use crate::{FLOOR, Operation, Variant};

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Measured rounds per operation.
    pub rounds: usize,
    /// Rounds run first and discarded (caches, branch predictors, the
    /// files' first pages).
    pub warmup_rounds: usize,
    /// The time the slowest variant of an operation should take for one
    /// batch; the batch size of each operation is set from it.
    pub batch_time: Duration,
}

impl Config {
    /// The full run: about a minute and a half of measuring.
    pub const FULL: Config = Config {
        rounds: 300,
        warmup_rounds: 3,
        batch_time: Duration::from_millis(10),
    };

    /// A quick look: a few seconds, numbers good to a few per cent.
    pub const QUICK: Config = Config {
        rounds: 30,
        warmup_rounds: 1,
        batch_time: Duration::from_millis(1),
    };
}

/// The nanoseconds per iteration of every variant in every round.
#[derive(Debug)]
pub struct Measurement {
    /// The operation measured.
    pub operation: Operation,
    /// Iterations per batch, the same for every variant.
    pub batch: u64,
    /// The variants' names, the floor first.
    pub names: Vec<&'static str>,
    /// `ns_per_op[variant][round]`.
    pub ns_per_op: Vec<Vec<f64>>,
    /// The wall time of the whole measurement, calibration included.
    pub elapsed: Duration,
}

/// Creates the variants of `operation` and measures them as `config` says.
///
/// # Panics
/// If a variant's result check fails, or the first variant is not the
/// floor.
pub fn measure(operation: Operation, config: &Config) -> Measurement {
    let start = Instant::now();
    let mut variants = (operation.variants)();
    assert_eq!(
        variants[0].name(),
        FLOOR,
        "{}: the first variant must be the floor",
        operation.name
    );

    let batch = calibrate(&mut variants, config.batch_time);
    let mut ns_per_op = vec![Vec::with_capacity(config.rounds); variants.len()];
    for round in 0..config.warmup_rounds + config.rounds {
        let times = run_round(&mut variants, batch, round);
        if round >= config.warmup_rounds {
            for (series, time) in ns_per_op.iter_mut().zip(times) {
                series.push(time.as_nanos() as f64 / batch as f64);
            }
        }
    }
    Measurement {
        operation,
        batch,
        names: variants.iter().map(Variant::name).collect(),
        ns_per_op,
        elapsed: start.elapsed(),
    }
}

/// Runs every variant once (which also runs each one's result check before
/// any timing), then finds the batch size that makes the slowest variant
/// take about `batch_time`, rounded to two significant digits.
fn calibrate(variants: &mut [Variant], batch_time: Duration) -> u64 {
    let mut slowest_ns = 0f64;
    for variant in variants.iter_mut() {
        variant.run(1);
        let mut iterations = 1u64;
        let ns = loop {
            let time = timed(variant, iterations);
            if time >= batch_time / 20 || iterations >= 1 << 40 {
                break time.as_nanos() as f64 / iterations as f64;
            }
            iterations *= 2;
        };
        slowest_ns = slowest_ns.max(ns);
    }
    round_to_two_digits((batch_time.as_nanos() as f64 / slowest_ns.max(0.01)) as u64)
}

/// One round: each variant runs a batch, starting at a different variant
/// each round. Returns the times in the variants' order.
fn run_round(variants: &mut [Variant], batch: u64, round: usize) -> Vec<Duration> {
    let count = variants.len();
    let mut times = vec![Duration::ZERO; count];
    for step in 0..count {
        let index = (round + step) % count;
        times[index] = timed(&mut variants[index], batch);
    }
    times
}

fn timed(variant: &mut Variant, iterations: u64) -> Duration {
    let start = Instant::now();
    variant.run(iterations);
    start.elapsed()
}

/// `n` rounded to its two leading digits (at least 1): 12_345 → 12_000.
fn round_to_two_digits(n: u64) -> u64 {
    let mut scale = 1;
    while n / scale >= 100 {
        scale *= 10;
    }
    (n / scale).max(1) * scale
}

/// The median and the quartiles of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The 25th percentile.
    pub low: f64,
    /// The median.
    pub median: f64,
    /// The 75th percentile.
    pub high: f64,
}

impl Spread {
    /// The quartiles of `sample` (linear interpolation between ranks).
    ///
    /// # Panics
    /// If `sample` is empty.
    pub fn of(sample: &[f64]) -> Spread {
        assert!(!sample.is_empty(), "no sample to summarise");
        let mut sorted = sample.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let rank = q * (sorted.len() - 1) as f64;
            let (below, above) = (rank.floor() as usize, rank.ceil() as usize);
            sorted[below] + (sorted[above] - sorted[below]) * (rank - below as f64)
        };
        Spread {
            low: at(0.25),
            median: at(0.5),
            high: at(0.75),
        }
    }
}

/// One variant's summary.
#[derive(Clone, Debug)]
pub struct VariantSummary {
    /// The variant's name.
    pub name: &'static str,
    /// Nanoseconds per iteration over the rounds.
    pub ns_per_op: Spread,
    /// Per-round ratios to the floor of the same round.
    pub to_floor: Spread,
}

impl Measurement {
    /// The per-round ratios `numerator / denominator` of two variants.
    ///
    /// # Panics
    /// If either name is not a variant of this measurement.
    pub fn ratios(&self, numerator: &str, denominator: &str) -> Vec<f64> {
        let series = |name: &str| {
            let index = self.names.iter().position(|n| *n == name);
            &self.ns_per_op[index.unwrap_or_else(|| panic!("no variant {name}"))]
        };
        let (num, den) = (series(numerator), series(denominator));
        num.iter().zip(den).map(|(n, d)| n / d).collect()
    }

    /// Whether a variant of this name was measured.
    pub fn has(&self, name: &str) -> bool {
        self.names.contains(&name)
    }

    /// Each variant's ns/op and its ratio to the floor.
    pub fn summaries(&self) -> Vec<VariantSummary> {
        self.names
            .iter()
            .zip(&self.ns_per_op)
            .map(|(&name, series)| VariantSummary {
                name,
                ns_per_op: Spread::of(series),
                to_floor: Spread::of(&self.ratios(name, FLOOR)),
            })
            .collect()
    }
}
