//! `BENCHMARKS.md`: the machine and the settings, what is compared and how,
//! and every table, generated from the measurements.
//!
//! The tables are built from what was measured, not from a list here: a
//! new operation (a file in `src/ops/` and a line in
//! [`OPERATIONS`](crate::OPERATIONS)) gets its rows, and a variant name
//! no other operation has gets a column, without a change to this file.
//!
//! The last section belongs to `scripts/instr-count.sh`, which replaces it
//! between [`INSTR_BEGIN`] and [`INSTR_END`]; [`markdown`] carries it over
//! unchanged from the file it replaces.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::harness::{Config, Measurement, RUNNING_AT_ONCE, Spread, ran_at_once};
use crate::{FLOOR, Key, Shape};

/// The line that opens `scripts/instr-count.sh`'s section.
pub const INSTR_BEGIN: &str = "<!-- begin: scripts/instr-count.sh -->";

/// The line that closes `scripts/instr-count.sh`'s section.
pub const INSTR_END: &str = "<!-- end: scripts/instr-count.sh -->";

/// The implementations every operation may have, as the report describes
/// them. A variant of an operation's own is described in its summary.
const IMPLEMENTATIONS: &[(&str, &str)] = &[
    (
        FLOOR,
        "the system calls themselves, issued through `iofd::raw::syscallN` with the raw \
         numbers and no wrapper logic: the least any library can cost",
    ),
    ("iofd", "this crate"),
    (
        "rustix",
        "rustix with its default `linux_raw` backend: inline-asm system calls, like iofd's",
    ),
    (
        "libc",
        "the `libc` crate's functions: the C library's wrappers",
    ),
    ("nix", "nix, over libc"),
    ("std", "the standard library (`File`, `OwnedFd`), over libc"),
];

/// The variant the last columns of each time table set against the peers.
const IOFD: &str = "iofd";
/// The peers of those columns: rustix, the other library that makes its
/// own system calls, and libc, whose clock reads are the vDSO's.
const PEERS: [&str; 2] = ["rustix", "libc"];

/// Where and when the numbers were taken.
#[derive(Clone, Debug)]
pub struct Environment {
    /// The UTC date and time, `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    /// The CPU's `model name` from /proc/cpuinfo.
    pub cpu: String,
    /// The CPUs this process may run on.
    pub cpus: usize,
    /// The kernel: uname(2)'s system name, release and machine.
    pub kernel: String,
    /// `rustc --version` of the compiler that built the bench.
    pub rustc: &'static str,
}

impl Environment {
    /// Reads the clock, /proc/cpuinfo and uname(2).
    pub fn detect() -> Environment {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Environment {
            date: utc_date(since_epoch),
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            kernel: uname(),
            rustc: env!("IOFD_BENCH_RUSTC"),
        }
    }
}

/// `Linux 6.1.0 x86_64`: uname(2)'s `sysname`, `release` and `machine`.
fn uname() -> String {
    // SAFETY: `utsname` is plain bytes, for which all zeroes is valid.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `uts` is one writable `utsname` that nothing borrows.
    if unsafe { libc::uname(&mut uts) } != 0 {
        return "unknown kernel".to_owned();
    }
    let field = |chars: &[libc::c_char]| {
        let bytes: Vec<u8> = chars
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&uts.sysname),
        field(&uts.release),
        field(&uts.machine)
    )
}

/// `seconds` since the Unix epoch as `YYYY-MM-DD HH:MM UTC` (the proleptic
/// Gregorian calendar, counted in 400-year eras of 146 097 days).
fn utc_date(seconds: u64) -> String {
    let (days, in_day) = (seconds / 86_400, seconds % 86_400);
    // Shift the epoch to 0000-03-01, so that leap days end each year.
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        in_day / 3_600,
        in_day % 3_600 / 60
    )
}

/// `scripts/instr-count.sh`'s section of `existing` (a previous
/// `BENCHMARKS.md`), from [`INSTR_BEGIN`] to [`INSTR_END`] inclusive.
pub fn instr_section(existing: &str) -> Option<&str> {
    let begin = existing.find(INSTR_BEGIN)?;
    let end = begin + existing[begin..].find(INSTR_END)? + INSTR_END.len();
    Some(&existing[begin..end])
}

/// The section [`markdown`] writes when there is none to carry over.
fn instr_placeholder() -> String {
    format!(
        "{INSTR_BEGIN}\n## Instructions\n\nNot counted yet: `scripts/instr-count.sh` \
         (valgrind) writes this section.\n{INSTR_END}"
    )
}

/// The whole report, in markdown. `instr` is `scripts/instr-count.sh`'s
/// section to end it with (see [`instr_section`]); `None` writes a
/// placeholder that the script replaces.
pub fn markdown(
    env: &Environment,
    config: &Config,
    measurements: &[Measurement],
    instr: Option<&str>,
) -> String {
    let mut out = String::new();
    out.push_str(
        "# Benchmarks\n\n\
         Generated: `cargo bench` writes this file, and `scripts/instr-count.sh` writes its \
         last section (instructions), which `cargo bench` carries over as it is. Do not edit \
         it by hand; the code is in [`benches/`](benches/).\n\n",
    );
    let cpus = if env.cpus == 1 {
        "1 CPU".to_owned()
    } else {
        format!("{} CPUs", env.cpus)
    };
    let _ = writeln!(
        out,
        "Timings taken {} on {} ({cpus}), {}, built by {}.\n",
        env.date, env.cpu, env.kernel, env.rustc
    );
    what(&mut out, measurements);
    method(&mut out, config);
    let single: Vec<&Measurement> = measurements.iter().filter(|m| m.threads == 1).collect();
    for shape in Shape::ALL {
        time_table(&mut out, shape, &single);
    }
    for m in measurements.iter().filter(|m| m.threads > 1) {
        throughput_table(&mut out, config, m);
    }
    match instr {
        Some(section) => out.push_str(section.trim_end()),
        None => out.push_str(&instr_placeholder()),
    }
    out.push('\n');
    out
}

/// What is compared: the implementations, the shapes, the operations.
fn what(out: &mut String, measurements: &[Measurement]) {
    out.push_str(
        "## What is compared\n\nEach operation is done by one variant per implementation:\n\n",
    );
    for (name, description) in IMPLEMENTATIONS {
        let _ = writeln!(out, "- **{name}**: {description};");
    }
    out.push_str(
        "\nand each variant comes in up to two shapes:\n\n\
         - **loop**: the operation's code written into the measuring loop, its inputs \
         passed through `black_box`. The compiler sees all the iterations at once and may \
         keep work that does not change (a converted constant, a loaded field) out of them;\n\
         - **per call**: the operation in an `#[inline(never)]` function, called once per \
         iteration from a plain loop (a direct call, not through `dyn`), with its arguments \
         as user code writes them: the shape of a program calling a library, where each call \
         starts from nothing.\n\nThe operations (and the variants of their own):\n\n",
    );
    for m in measurements {
        let _ = writeln!(out, "- **{}**: {}.", m.operation.name, m.operation.summary);
    }
    out.push('\n');
}

/// How the numbers were taken, and what a ratio means.
fn method(out: &mut String, config: &Config) {
    let warmup = if config.warmup_rounds == 1 {
        "round"
    } else {
        "rounds"
    };
    let _ = writeln!(
        out,
        "## Method\n\n\
         The machine is shared and its speed drifts by ±10 % within seconds, so a run of one \
         variant cannot be compared with a later run of another. Instead, each operation is \
         measured in {} rounds, after {} warm-up {warmup}: in each round every variant of the \
         operation, of both shapes, runs one batch of the same number of iterations (the \
         slowest variant takes about {} ms), back to back, in an order that starts at a \
         different variant each round. Each variant's time is then divided by the time of the \
         floor of its shape in the same round, which cancels the drift, and the tables give \
         the median of those per-round ratios and, in brackets, their middle half (the 25th \
         to the 75th percentile), which leaves out the rounds an interrupt or another process \
         spoiled. A ratio of 1.04 is 4 % slower than the floor; below 1 is faster.\n\n\
         A batch on one thread is timed on that thread's CPU clock \
         (`CLOCK_THREAD_CPUTIME_ID`: its time in user space and in the kernel), not on the \
         wall clock, so that the time other processes had the CPU is not counted; a batch on \
         several threads is a throughput and is timed on the wall clock. The batch size is set \
         from the fastest of five tries of each variant.\n\n\
         What the interleaving cannot cancel is code placement: the same code at other \
         addresses (after a change anywhere in the binary) has moved single ratios on this \
         machine by up to about 7 %, from one build to the next, while each build repeats \
         its own numbers to a per cent or two; when it is a floor that moved, all the ratios \
         of its shape move together. Read differences of a few per cent as equal, and compare \
         with the instruction counts, which placement does not change.\n\n\
         Times include the kernel's work, which dwarfs any wrapper: the instruction counts \
         at the end show what runs in user space alone.\n",
        config.rounds,
        config.warmup_rounds,
        fixed(config.batch_time.as_secs_f64() * 1e3),
    );
}

/// The column order of the variants of `shape` in `lists` (each an
/// operation's variants, in its order): the implementations every
/// operation may have in the order of [`IMPLEMENTATIONS`], and each name of
/// an operation's own right after the name before it in that operation.
pub fn columns(shape: Shape, lists: &[&[Key]]) -> Vec<&'static str> {
    let of_shape = |list: &&[Key]| -> Vec<&'static str> {
        list.iter()
            .filter(|k| k.shape == shape)
            .map(|k| k.name)
            .collect()
    };
    let names: Vec<Vec<&'static str>> = lists.iter().map(of_shape).collect();
    let mut columns: Vec<&'static str> = IMPLEMENTATIONS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| names.iter().flatten().any(|n| n == name))
        .collect();
    for list in &names {
        for (i, name) in list.iter().enumerate() {
            if columns.contains(name) {
                continue;
            }
            let after = list[..i]
                .iter()
                .rev()
                .find_map(|before| columns.iter().position(|c| c == before));
            columns.insert(after.map_or(0, |at| at + 1), name);
        }
    }
    columns
}

/// The floor's ns per operation and every other variant's ratio to it,
/// one row per operation that has variants of `shape`, and iofd ÷ each of
/// [`PEERS`].
fn time_table(out: &mut String, shape: Shape, measurements: &[&Measurement]) {
    let rows: Vec<&Measurement> = measurements
        .iter()
        .copied()
        .filter(|m| m.has(Key::floor(shape)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let lists: Vec<&[Key]> = rows.iter().map(|m| m.keys.as_slice()).collect();
    let columns = columns(shape, &lists);
    let title = match shape {
        Shape::Loop => "loop shape",
        Shape::Call => "per-call shape",
    };
    let _ = writeln!(
        out,
        "## Time, {title}\n\n\
         The floor's median time per operation, and each other variant's time as the median \
         of its per-round ratios to the floor, the middle half in brackets; the last columns \
         are {IOFD} ÷ {} and {IOFD} ÷ {}, the same way:\n",
        PEERS[0], PEERS[1]
    );
    out.push_str("| operation | per batch |");
    for name in &columns {
        if *name == FLOOR {
            let _ = write!(out, " {name} (ns) |");
        } else {
            let _ = write!(out, " {name} |");
        }
    }
    for peer in PEERS {
        let _ = write!(out, " {IOFD} ÷ {peer} |");
    }
    out.push('\n');
    out.push_str("|---|--:|");
    out.push_str(&"--:|".repeat(columns.len() + PEERS.len()));
    out.push('\n');
    for m in rows {
        let _ = write!(out, "| {} | {} |", m.operation.name, thousands(m.batch));
        for name in &columns {
            let key = Key { name, shape };
            let cell = match m.summary(key) {
                Some(s) if *name == FLOOR => nanos(s.ns_per_op.median),
                Some(s) => ratio_with_spread(s.to_floor),
                None => "—".to_owned(),
            };
            let _ = write!(out, " {cell} |");
        }
        let iofd = Key { name: IOFD, shape };
        for name in PEERS {
            let peer = Key { name, shape };
            let cell = if m.has(iofd) && m.has(peer) {
                ratio_with_spread(Spread::of(&m.ratios(iofd, peer)))
            } else {
                "—".to_owned()
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out.push('\n');
}

/// Fewer rounds than this that ran at once, and the table counts them all.
const ENOUGH_ROUNDS: usize = 10;

/// An operation run by several threads at once: each variant's
/// throughput, and its per-round ratio to the floor's, over the rounds in
/// which every variant's threads really ran at once.
fn throughput_table(out: &mut String, config: &Config, m: &Measurement) {
    let rounds = m.ns_per_op.first().map_or(0, Vec::len);
    let at_once: Vec<usize> = (0..rounds).filter(|&r| ran_at_once(m, r)).collect();
    let (used, which) = if at_once.len() >= ENOUGH_ROUNDS {
        let which = format!(
            "the {} of the {rounds} rounds in which every variant's threads were on a CPU at \
             least {:.0} % of the time (the others mostly took turns, other processes having \
             left them less than a CPU each)",
            at_once.len(),
            RUNNING_AT_ONCE * 100.0
        );
        (at_once, which)
    } else {
        let which = format!(
            "all {rounds} rounds, because only {} had every variant's threads on a CPU at \
             least {:.0} % of the time: other processes left them less than a CPU each, so \
             these numbers say little about contention",
            at_once.len(),
            RUNNING_AT_ONCE * 100.0
        );
        ((0..rounds).collect(), which)
    };
    let _ = writeln!(
        out,
        "## {}: {} threads at once\n\n\
         The operation is described under *What is compared* above. \
         Each round runs every variant's {} threads together for {} iterations each, and \
         the rounds go on past the usual number (for at most {} s) until that many have had \
         the threads running at once. The \
         throughput is the iterations all the threads completed per second, over the \
         wall-clock time from their common start until the last one finished; the ratio is \
         each variant's throughput over the floor's in the same round (above 1 is more than \
         the floor); *threads running* is the CPU time the threads used over that wall-clock \
         time ({} when they ran at once throughout). Medians, the middle half in brackets, \
         over {which}.\n",
        m.operation.name,
        m.threads,
        m.threads,
        thousands(m.batch),
        config.extra_time.as_secs(),
        m.threads,
    );
    out.push_str(
        "| variant | shape | iterations per second | ÷ floor | threads running |\n\
         |---|---|--:|--:|--:|\n",
    );
    let pick = |series: &[f64]| -> Vec<f64> { used.iter().map(|&r| series[r]).collect() };
    for (index, key) in m.keys.iter().enumerate() {
        let floor = m.keys.iter().position(|k| *k == Key::floor(key.shape));
        let Some(floor) = floor else { continue };
        let ns = Spread::of(&pick(&m.ns_per_op[index]));
        let gains: Vec<f64> = used
            .iter()
            .map(|&r| m.ns_per_op[floor][r] / m.ns_per_op[index][r])
            .collect();
        let busy = Spread::of(&pick(&m.busy[index]));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} |",
            key.name,
            key.shape.name(),
            millions(m.threads as f64 * 1e9 / ns.median),
            ratio_with_spread(Spread::of(&gains)),
            busy.median,
        );
    }
    out.push('\n');
}

fn ratio_with_spread(s: Spread) -> String {
    format!("{} ({}–{})", ratio(s.median), ratio(s.low), ratio(s.high))
}

/// A ratio with two significant decimals, three below 0.1.
fn ratio(r: f64) -> String {
    if r < 0.1 {
        format!("{r:.3}")
    } else {
        format!("{r:.2}")
    }
}

/// Nanoseconds with one decimal, two below 10.
fn nanos(ns: f64) -> String {
    if ns < 10.0 {
        format!("{ns:.2}")
    } else {
        format!("{ns:.1}")
    }
}

/// A number without a trailing `.0`, else with one decimal.
fn fixed(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A rate in millions per second, three significant digits.
fn millions(per_second: f64) -> String {
    format!("{:.3} M", per_second / 1e6)
}

/// `n` with commas between groups of three digits.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
