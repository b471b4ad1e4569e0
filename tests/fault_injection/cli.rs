//! The command line: libtest's selection arguments (filters, `--skip`,
//! `--exact`, `--list`, `-q`), so that `cargo test` and the scripts pass
//! the same arguments to this harness as to the others.

/// libtest's selection arguments; the others are accepted and ignored.
#[derive(Default)]
pub struct Args {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    pub list: bool,
    pub quiet: bool,
    /// `--ignored` or `--bench`: nothing here is ignored or a benchmark.
    none: bool,
}

pub fn parse() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let value = |it: &mut std::iter::Skip<std::env::Args>| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--skip" => args.skip.push(value(&mut it)?),
            "--test-threads" | "--color" | "--format" | "-Z" | "--logfile" | "--shuffle-seed" => {
                value(&mut it)?;
            }
            "--exact" => args.exact = true,
            "--list" => args.list = true,
            "-q" | "--quiet" => args.quiet = true,
            "--ignored" | "--bench" => args.none = true,
            "--include-ignored"
            | "--nocapture"
            | "--no-capture"
            | "--show-output"
            | "--test"
            | "--report-time"
            | "--ensure-time"
            | "--shuffle"
            | "--force-run-in-process" => {}
            f if f.starts_with('-') => return Err(format!("unknown option {f}")),
            _ => args.filters.push(arg),
        }
    }
    Ok(args)
}

impl Args {
    pub fn selects(&self, name: &str) -> bool {
        let matches = |pat: &String| {
            if self.exact {
                name == pat
            } else {
                name.contains(pat.as_str())
            }
        };
        !self.none
            && (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skip.iter().any(matches)
    }
}
