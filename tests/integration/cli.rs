//! Command-line tests as data: each `tests/cmd/<case>.toml` runs `dgen` in `<case>.in/` and
//! compares exit status, stdout and stderr with `<case>.stdout` / `<case>.stderr`
//! (`TRYCMD=overwrite cargo test --test integration cli::` rewrites them after a deliberate change).

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
