//! The workspace's own rules, checked on its files: a plain `cargo test` covers every crate and
//! example (the workspace's `default-members` leave out the benchmarks alone).

use std::path::Path;

#[test]
fn every_member_but_the_benchmarks_is_tested() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let listed = manifest
        .split("default-members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("a default-members list in the workspace's Cargo.toml");
    let mut missing = Vec::new();
    for folder in ["crates", "examples"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let entry = entry.unwrap();
            if !entry.path().join("Cargo.toml").is_file() {
                continue;
            }
            let member = format!("{folder}/{}", entry.file_name().to_string_lossy());
            if member != "crates/channeltalk-webhook-bench"
                && !listed.contains(&format!("\"{member}\""))
            {
                missing.push(member);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not in the workspace's default-members, so `cargo test` skips them: {missing:?}"
    );
}
