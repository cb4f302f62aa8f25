//! The README's error table is the code's (`imserver::error::ERROR_CODES`, from which the spec's
//! description is made): same codes, same meanings, same order.
use imserver::error::ERROR_CODES;

#[test]
fn the_readme_error_table_is_the_codes() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("\n## Error codes\n")
        .nth(1)
        .expect("README has an '## Error codes' section");
    let rows: Vec<(i32, String)> = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (
                cells[0]
                    .parse()
                    .unwrap_or_else(|_| panic!("bad code cell in {l}")),
                cells[1].replace('`', ""),
            )
        })
        .collect();
    let code_rows: Vec<(i32, String)> = ERROR_CODES
        .iter()
        .map(|r| (r.code, r.meaning.replace('`', "")))
        .collect();
    assert_eq!(
        rows, code_rows,
        "README's error table differs from src/error.rs ERROR_CODES"
    );
}
