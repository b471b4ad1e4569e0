//! Interleaved measurement: many short rounds, every variant once per
//! round in a rotating order, and statistics over per-round ratios.
//!
//! On a shared machine the speed of the whole machine drifts by ±10 %
//! within seconds. Timing each variant in a long block of its own would
//! turn that drift into differences between variants. Here every round
//! runs every variant of one operation back to back, for the same number
//! of iterations (a *batch*), so all of them see nearly the same machine;
//! dividing each variant's time by the time of the floor of its shape in
//! the same round cancels the drift, and the median over rounds discards
//! the rounds an interrupt or another process spoiled. The order rotates
//! each round so that no variant always runs first (cold) or right after a
//! given other.

use std::time::{Duration, Instant};

use crate::{FLOOR, Key, Operation, Sample, Variant};

/// How long and how often to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Measured rounds per operation.
    pub rounds: usize,
    /// Rounds run first and discarded (caches, branch predictors, the
    /// files' first pages).
    pub warmup_rounds: usize,
    /// The time the slowest variant of an operation should take for one
    /// batch; the batch size of each operation is set from it.
    pub batch_time: Duration,
    /// How long an operation on several threads may go on past `rounds`,
    /// looking for `rounds` rounds in which its threads ran at once (see
    /// [`ran_at_once`]).
    pub extra_time: Duration,
}

/// The share of the wall-clock time that each thread of a batch on several
/// threads must have spent on a CPU for the round to count as one in which
/// they ran at once: below it, they mostly took turns on one CPU.
pub const RUNNING_AT_ONCE: f64 = 0.75;

/// Whether every variant's threads of round `round` ran at once.
pub fn ran_at_once(m: &Measurement, round: usize) -> bool {
    let threshold = RUNNING_AT_ONCE * m.threads as f64;
    m.busy.iter().all(|series| series[round] >= threshold)
}

impl Config {
    /// The full run: a few minutes of measuring.
    pub const FULL: Config = Config {
        rounds: 300,
        warmup_rounds: 3,
        batch_time: Duration::from_millis(10),
        extra_time: Duration::from_secs(75),
    };

    /// A quick look: a few seconds, numbers good to a few per cent.
    pub const QUICK: Config = Config {
        rounds: 30,
        warmup_rounds: 1,
        batch_time: Duration::from_millis(1),
        extra_time: Duration::from_secs(2),
    };
}

/// The nanoseconds per iteration of every variant in every round.
#[derive(Debug)]
pub struct Measurement {
    /// The operation measured.
    pub operation: Operation,
    /// Iterations per batch (on each thread), the same for every variant.
    pub batch: u64,
    /// The variants' names and shapes, a floor first.
    pub keys: Vec<Key>,
    /// How many threads run each variant at once.
    pub threads: usize,
    /// `ns_per_op[variant][round]`: the time of a batch divided by the
    /// iterations each thread made.
    pub ns_per_op: Vec<Vec<f64>>,
    /// `busy[variant][round]`: the CPU time of a batch's threads over its
    /// time; 1 on one thread, up to the number of threads.
    pub busy: Vec<Vec<f64>>,
    /// The wall time of the whole measurement, calibration included.
    pub elapsed: Duration,
}

/// Creates the variants of `operation` and measures them as `config` says.
///
/// # Panics
/// If a variant's result check fails, the first variant is not a floor,
/// a shape has variants but no floor, a variant is
/// there twice, or the variants disagree on the number of threads.
pub fn measure(operation: Operation, config: &Config) -> Measurement {
    let start = Instant::now();
    let mut variants = (operation.variants)();
    let keys: Vec<Key> = variants.iter().map(Variant::key).collect();
    check_variants(operation.name, &keys);
    let threads = variants[0].threads();
    assert!(
        variants.iter().all(|v| v.threads() == threads),
        "{}: every variant must run on the same number of threads",
        operation.name
    );

    let batch = calibrate(&mut variants, config.batch_time);
    let mut m = Measurement {
        operation,
        batch,
        keys,
        threads,
        ns_per_op: vec![Vec::with_capacity(config.rounds); variants.len()],
        busy: vec![Vec::with_capacity(config.rounds); variants.len()],
        elapsed: Duration::ZERO,
    };
    for round in 0..config.warmup_rounds {
        run_round(&mut variants, batch, round);
    }
    // On several threads, go on (for at most `extra_time`) until `rounds`
    // rounds ran at once, or would have.
    let (mut round, mut at_once) = (0, 0);
    let deadline = Instant::now() + config.extra_time;
    while round < config.rounds
        || (threads > 1 && at_once < config.rounds && Instant::now() < deadline)
    {
        let samples = run_round(&mut variants, batch, config.warmup_rounds + round);
        for (i, sample) in samples.into_iter().enumerate() {
            let time = sample.time.as_nanos().max(1) as f64;
            m.ns_per_op[i].push(time / batch as f64);
            m.busy[i].push(sample.cpu.as_nanos() as f64 / time);
        }
        at_once += usize::from(threads > 1 && ran_at_once(&m, round));
        round += 1;
    }
    m.elapsed = start.elapsed();
    m
}

/// The variants' keys are unique, the first is a floor, and every shape
/// that has a variant has a floor.
fn check_variants(operation: &str, keys: &[Key]) {
    assert!(
        keys.first().is_some_and(|key| key.name == FLOOR),
        "{operation}: the first variant must be a floor"
    );
    for (i, key) in keys.iter().enumerate() {
        assert!(
            !keys[..i].contains(key),
            "{operation}: variant {key} is there twice"
        );
        assert!(
            keys.contains(&Key::floor(key.shape)),
            "{operation}: variant {key} has no {} floor to compare with",
            key.shape.name()
        );
    }
}

/// Tries of the calibration's last size; the fastest counts, because an
/// interrupt or another process can only make a try slower.
const CALIBRATION_TRIES: usize = 5;

/// Runs every variant once (which also runs each one's result check before
/// any timing), then finds the batch size that makes the slowest variant
/// take about `batch_time`, rounded to two significant digits.
fn calibrate(variants: &mut [Variant], batch_time: Duration) -> u64 {
    let mut slowest_ns = 0f64;
    for variant in variants.iter_mut() {
        variant.run(1);
        let mut iterations = 1u64;
        while variant.run(iterations).time < batch_time / 20 && iterations < 1 << 40 {
            iterations *= 2;
        }
        let fastest = (0..CALIBRATION_TRIES)
            .map(|_| variant.run(iterations).time)
            .min()
            .unwrap_or_default();
        slowest_ns = slowest_ns.max(fastest.as_nanos() as f64 / iterations as f64);
    }
    round_to_two_digits((batch_time.as_nanos() as f64 / slowest_ns.max(0.01)) as u64)
}

/// One round: each variant runs a batch, starting at a different variant
/// each round. Returns the samples in the variants' order.
fn run_round(variants: &mut [Variant], batch: u64, round: usize) -> Vec<Sample> {
    let count = variants.len();
    let zero = Sample {
        time: Duration::ZERO,
        cpu: Duration::ZERO,
    };
    let mut times = vec![zero; count];
    for step in 0..count {
        let index = (round + step) % count;
        times[index] = variants[index].run(batch);
    }
    times
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
    /// The variant's name and shape.
    pub key: Key,
    /// Nanoseconds per iteration over the rounds.
    pub ns_per_op: Spread,
    /// Per-round ratios of its time to the time of the floor of its shape
    /// in the same round.
    pub to_floor: Spread,
    /// Its threads' CPU time over its time, over the rounds.
    pub busy: Spread,
}

impl Measurement {
    /// The per-round ratios `numerator / denominator` of two variants'
    /// times.
    ///
    /// # Panics
    /// If either is not a variant of this measurement.
    pub fn ratios(&self, numerator: Key, denominator: Key) -> Vec<f64> {
        let series = |key: Key| {
            let index = self.keys.iter().position(|k| *k == key);
            &self.ns_per_op[index.unwrap_or_else(|| panic!("no variant {key}"))]
        };
        let (num, den) = (series(numerator), series(denominator));
        num.iter().zip(den).map(|(n, d)| n / d).collect()
    }

    /// Whether this variant was measured.
    pub fn has(&self, key: Key) -> bool {
        self.keys.contains(&key)
    }

    /// The summary of one variant, if it was measured.
    pub fn summary(&self, key: Key) -> Option<VariantSummary> {
        let index = self.keys.iter().position(|k| *k == key)?;
        Some(VariantSummary {
            key,
            ns_per_op: Spread::of(&self.ns_per_op[index]),
            to_floor: Spread::of(&self.ratios(key, Key::floor(key.shape))),
            busy: Spread::of(&self.busy[index]),
        })
    }

    /// Each variant's ns/op and its ratio to the floor of its shape, in
    /// the order the operation lists them.
    pub fn summaries(&self) -> Vec<VariantSummary> {
        self.keys
            .iter()
            .filter_map(|&key| self.summary(key))
            .collect()
    }
}
