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
