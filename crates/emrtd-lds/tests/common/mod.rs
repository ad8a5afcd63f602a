//! Helpers shared by the integration tests.
#![allow(dead_code)]

use emrtd_lds::LdsError;

/// Bytes of a fixture under `fixtures/lds/`.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/../../fixtures/lds/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("fixture {full}: {e}"))
}

/// A JSON fixture under `fixtures/lds/`.
pub fn json(path: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(path)).expect("fixture is JSON")
}

pub fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

/// The hex of the ICAO 9303-10 example whose name starts with `prefix`.
pub fn icao_example(prefix: &str) -> Vec<u8> {
    let doc = json("icao9303-10_lds_examples.json");
    let items = doc["items"].as_array().expect("items");
    let item = items
        .iter()
        .find(|i| i["name"].as_str().unwrap_or("").starts_with(prefix))
        .unwrap_or_else(|| panic!("no ICAO example {prefix}"));
    hex(item["hex"].as_str().expect("hex"))
}

/// The hex literals of a gmrtd test function (file e.g. "document/dg11_test.go").
pub fn gmrtd(file: &str, func: &str) -> Vec<(Vec<String>, Vec<u8>)> {
    let doc = json("gmrtd_dg_literals.json");
    doc["files"][file]
        .as_array()
        .expect("file")
        .iter()
        .filter(|i| i["func"].as_str() == Some(func))
        .map(|i| {
            let comments = i["comment"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            (comments, hex(i["hex"].as_str().expect("hex")))
        })
        .collect()
}

/// A decode result is "rejected" when decoding fails or the conformance check finds issues.
pub fn rejected<T>(
    result: &Result<T, LdsError>,
    check: impl Fn(&T) -> Vec<emrtd_lds::Issue>,
) -> bool {
    match result {
        Err(_) => true,
        Ok(v) => !check(v).is_empty(),
    }
}
