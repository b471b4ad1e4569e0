//! Bad input, everywhere: every row of the table in `rows.rs` gives its
//! documented outcome, and none panics.

mod rows;

use rows::{fixtures, outcome, rows};

#[test]
fn every_row_gives_its_documented_outcome() {
    let f = fixtures();
    let rows = rows();
    let mut failures = Vec::new();
    for row in &rows {
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| outcome((row.run)(&f))));
        match got {
            Ok(got) if got == row.expect => {}
            Ok(got) => failures.push(format!(
                "{}: expected {:?}, got {:?}",
                row.what, row.expect, got
            )),
            Err(_) => failures.push(format!("{}: panicked", row.what)),
        }
    }
    let checked = rows.iter().filter(|r| r.checked_first).count();
    println!(
        "bad input: {} rows ({checked} rejected before any system call)",
        rows.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
