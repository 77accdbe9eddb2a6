use dynomodel::prelude::*;

#[derive(Table)]
#[dynomodel(name = "ab", pk = "pk", bogus = "x", gsi(name = "gsi1", pk = "p", wat = "x"))]
struct Short;

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", lsi(sk = "s"), gsi(name = "gsi2"))]
struct Indexes;

#[derive(Table)]
#[dynomodel(pk = "pk", lsi(name = "lsi1", sk = "c", pk = "z"))]
struct NotUnit<X>(X);

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", delimiter = "{", gsi(name = "gsi1", pk = "a"), gsi(name = "gsi1", pk = "b"))]
#[dynomodel(lsi(name = "lsi1", sk = "c"), gsi(name = "x y", pk = "d"))]
struct Names;

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", crate = "not a path", index = "gsi1")]
struct Keys;

fn main() {}
