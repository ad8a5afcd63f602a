//! docs/conformance.md against the test plan and the tests: every one of the 338 cases of BSI
//! TR-03105-5.1 (fixtures/conformance) has one row; every test a row names exists; a failing
//! case's reader test is ignored and a passing one's is not; the summary adds up.

use std::collections::BTreeMap;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

struct Row {
    applies: bool,
    tests: Vec<String>,
    result: String,
}

fn table() -> BTreeMap<String, Row> {
    let mut rows = BTreeMap::new();
    for line in read("docs/conformance.md").lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | id | title | applies | tests | result | notes |
        if cells.len() != 8 || !(cells[1].starts_with("ISO7816_") || cells[1].starts_with("LDS_")) {
            continue;
        }
        let tests = cells[4]
            .split(", ")
            .filter(|t| !t.is_empty())
            .map(|t| t.trim_matches('`').to_string())
            .collect();
        let row = Row {
            applies: cells[3] == "yes",
            tests,
            result: cells[5].to_string(),
        };
        assert!(
            rows.insert(cells[1].to_string(), row).is_none(),
            "{} has two rows",
            cells[1]
        );
    }
    rows
}

/// Whether the test exists, and whether it is ignored.
fn find_test(reference: &str) -> Option<bool> {
    let (file, name) = reference.split_once("::")?;
    let path = if file.contains('/') {
        format!("crates/{file}")
    } else {
        format!("crates/emrtd-reader/tests/{file}")
    };
    let src = read(&path);
    let lines: Vec<&str> = src.lines().collect();
    let at = lines.iter().position(|l| {
        l.trim_start().starts_with(&format!("fn {name}("))
            || l.trim_start().starts_with(&format!("{name} => "))
    })?;
    let ignored = lines[..at]
        .iter()
        .rev()
        .take_while(|l| l.trim_start().starts_with("#["))
        .any(|l| l.contains("#[ignore"));
    Some(ignored)
}

#[test]
fn every_case_of_the_plan_has_one_row() {
    let plan = read("fixtures/conformance/TR-03105-5.1-v1.5-testcases.tsv");
    let ids: Vec<&str> = plan
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    assert_eq!(ids.len(), 338);
    let rows = table();
    for id in &ids {
        assert!(
            rows.contains_key(*id),
            "{id} is missing from docs/conformance.md"
        );
    }
    assert_eq!(
        rows.len(),
        ids.len(),
        "rows for cases the plan does not have"
    );
}

#[test]
fn every_named_test_exists_and_results_match_ignores() {
    for (id, row) in table() {
        match row.result.as_str() {
            "pass" | "fail" => {
                assert!(row.applies, "{id}: result without applying");
                assert!(!row.tests.is_empty(), "{id}: result without a test");
                let ignored: Vec<bool> = row
                    .tests
                    .iter()
                    .map(|t| find_test(t).unwrap_or_else(|| panic!("{id}: no test {t}")))
                    .collect();
                let reader_ignored = row
                    .tests
                    .iter()
                    .zip(&ignored)
                    .any(|(t, i)| !t.contains('/') && *i);
                if row.result == "pass" {
                    assert!(!ignored.contains(&true), "{id} passes with an ignored test");
                } else {
                    // A failing case is an ignored reader test, or a PA-level test showing the
                    // missing feature.
                    let pa_only = row.tests.iter().all(|t| t.contains('/'));
                    assert!(
                        reader_ignored || pa_only,
                        "{id} fails without an ignored test"
                    );
                }
            }
            "no test" => assert!(row.applies && row.tests.is_empty(), "{id}"),
            "—" => assert!(!row.applies && row.tests.is_empty(), "{id}"),
            other => panic!("{id}: result {other:?}"),
        }
    }
}

#[test]
fn the_summary_adds_up() {
    let rows = table();
    let applicable = rows.values().filter(|r| r.applies).count();
    let covered = rows
        .values()
        .filter(|r| r.result == "pass" || r.result == "fail")
        .count();
    let passing = rows.values().filter(|r| r.result == "pass").count();
    let failing = covered - passing;
    let pct = |n: usize| format!("{:.1} %", 100.0 * n as f64 / applicable as f64);
    let expected = format!(
        "**Summary:** {} cases; {applicable} apply to this reader; {covered} are exercised by a \
         test ({} of the applicable cases); {passing} pass ({} of the applicable cases); \
         {failing} fail",
        rows.len(),
        pct(covered),
        pct(passing)
    );
    let doc = read("docs/conformance.md");
    assert!(doc.contains(&expected), "summary should start: {expected}");
    assert!(covered * 100 >= applicable * 80, "coverage below 80 %");
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Every test the page names anywhere (the plan's table above, the Passive Authentication
/// rules, the field quirks), written `file.rs::name`, `module::name` or
/// `crate/tests/file.rs::name`, is a function of that file (module paths such as
/// `ta::choose_chain` name a public function or constant). Type paths (`ReadOptions::…`) and
/// crate paths (`emrtd_sim::…`) are API names, checked by the compiler where code uses them.
#[test]
fn every_test_the_page_names_exists() {
    let doc = read("docs/conformance.md");
    let mut files = Vec::new();
    rust_files(std::path::Path::new(&format!("{ROOT}/crates")), &mut files);
    let mut missing = Vec::new();
    let mut checked = 0;
    for span in doc.split('`').skip(1).step_by(2) {
        let Some((file, name)) = span.split_once("::") else {
            continue;
        };
        let is_ident =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_ident(name)
            || file.starts_with(|c: char| c.is_ascii_uppercase())
            || file.starts_with("emrtd_")
            || file.contains(' ')
        {
            continue;
        }
        let stem = file.strip_suffix(".rs").unwrap_or(file);
        let candidates: Vec<&std::path::PathBuf> = files
            .iter()
            .filter(|p| {
                let p = p.to_string_lossy().replace('\\', "/");
                if stem.contains('/') {
                    p.ends_with(&format!("crates/{stem}.rs"))
                } else {
                    p.ends_with(&format!("/{stem}.rs"))
                }
            })
            .collect();
        let found = candidates.iter().any(|p| {
            std::fs::read_to_string(p).is_ok_and(|src| {
                src.lines().any(|l| {
                    let l = l.trim_start();
                    let l = l.strip_prefix("pub ").unwrap_or(l);
                    l.starts_with(&format!("fn {name}("))
                        || l.starts_with(&format!("fn {name}<"))
                        || l.starts_with(&format!("const {name}:"))
                        || l.starts_with(&format!("async fn {name}("))
                        || l.starts_with(&format!("{name} => "))
                })
            })
        });
        checked += 1;
        if !found {
            missing.push(format!("{file}::{name}"));
        }
    }
    assert!(checked > 300, "only {checked} test names found in the page");
    assert!(missing.is_empty(), "named but not found: {missing:?}");
}
