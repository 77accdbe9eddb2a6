//! Attribute mistakes are compile errors at their tokens, every one at once; a field type
//! that needs a feature says which. `cargo test -p dynomodel-ui` (or `--workspace`).

#[test]
fn attribute_mistakes_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("*/*.rs");
}
