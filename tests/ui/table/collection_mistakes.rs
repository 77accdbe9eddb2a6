use dynomodel::prelude::*;

#[derive(Collection)]
#[dynomodel(name = "shop", index = "gsi1")]
enum Variants<T> {
    A(T),
    B { b: u8 },
    C(T),
    D,
}

#[derive(Collection)]
#[dynomodel(bogus)]
struct NotEnum;

#[derive(Collection)]
enum Empty {}

fn main() {}
