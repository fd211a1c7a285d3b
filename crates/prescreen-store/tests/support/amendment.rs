//! The shipped A-MUSE definition as a protocol amendment would change it (version 1.3.0: IN06
//! reworded, EX10 replaced by a new EX11), for the amendment tests of the store and of the
//! binary alike. Self-contained: std only.

/// `a-muse.ron`'s text amended.
pub fn amended_a_muse_text(original: &str) -> String {
    let start = original
        .find("        (\n            id: \"EX10\"")
        .unwrap_or_else(|| panic!("a-muse.ron has no EX10 block"));
    let end = original[start..]
        .find("        ),\n")
        .map(|at| at + start + "        ),\n".len())
        .unwrap_or_else(|| panic!("a-muse.ron's EX10 block does not end"));
    let ex10 = original[start..end].to_owned();
    let ex11 = ex10.replace("\"EX10\"", "\"EX11\"").replace(
        "Vulnerable patient",
        "Adult under guardianship or curatorship",
    );
    original
        .replace(
            "definition_version: \"1.2.0\"",
            "definition_version: \"1.3.0\"",
        )
        .replace("prior to enrolment,", "prior to enrolment (amendment 2),")
        .replace(&ex10, &ex11)
}
