//! The README stays true to the code: its scenario reference is the schema's, and the two set-up
//! commands it gives are the ones CI and new users run.
//!
//! When the schema changes, regenerate the README's reference with
//! `MEMSIM_BLESS=1 cargo test --test readme`.

use std::path::Path;

const START: &str = "<!-- scenario-reference:start -->";
const END: &str = "<!-- scenario-reference:end -->";

fn readme_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")
}

#[test]
fn scenario_reference_matches_the_schema() {
    let path = readme_path();
    let text = std::fs::read_to_string(&path).expect("README.md");
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        panic!("README.md lacks the {START} … {END} markers");
    };
    let current = &text[a + START.len()..b];
    let wanted = format!("\n{}\n", memsim::scenario::schema::reference_markdown());
    if current != wanted {
        if std::env::var_os("MEMSIM_BLESS").is_some() {
            let updated = format!("{}{START}{wanted}{}", &text[..a], &text[b..]);
            std::fs::write(&path, updated).expect("write README.md");
            return;
        }
        panic!(
            "README.md's scenario reference is out of date; run `MEMSIM_BLESS=1 cargo test --test readme`"
        );
    }
}

#[test]
fn every_schema_key_is_documented_with_a_unit() {
    for k in memsim::scenario::schema::KEYS {
        assert!(!k.doc.trim().is_empty(), "{} has no doc", k.key);
        assert!(!k.kind.describe().is_empty(), "{} has no kind", k.key);
    }
}

#[test]
fn readme_gives_the_two_setup_commands_ci_runs() {
    let text = std::fs::read_to_string(readme_path()).expect("README.md");
    assert!(
        text.contains("cargo run --release -- run scenarios/"),
        "run command"
    );
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    // The README's test command is the one CI runs.
    let test_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("cargo test"))
        .expect("a `cargo test` line in the README");
    assert!(
        ci.lines().any(|l| l.trim() == test_line.trim()),
        "`.ci/run` does not run the README's `{}`",
        test_line.trim()
    );
}
