//! Benchmarks of the till engine.

fn main() {}
