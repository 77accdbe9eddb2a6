//! Attribute mistakes are compile errors at their tokens, every one at once.

#[test]
fn attribute_mistakes_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}
