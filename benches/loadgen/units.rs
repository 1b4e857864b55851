//! The load generator's pure parts, compiled alone so that plain `cargo test` runs their unit
//! tests. The generator itself (`main.rs`) has no test harness: it is a program that starts
//! servers, so `cargo test` must not run it.

// Functions used only by the generator are unused here, where only the tests call in.
#![allow(dead_code)]

mod marker;
mod procfs;
mod stats;
mod ws;
