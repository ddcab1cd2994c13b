//! dgen turns a declarative app manifest (`dgen.toml`) into a best-practice `Dockerfile`,
//! `.dockerignore` and `compose.yaml`, and checks that the files in a repository have not
//! drifted from it.
//!
//! The library holds the pipeline and never prints: [`manifest::parse`] validates (collecting
//! every [`diagnostic::Diagnostic`]), [`render::render`] renders, [`output`] writes safely. The
//! `dgen` binary holds the command line and all terminal output.

pub mod diagnostic;
pub mod dockerfile;
pub mod docs;
pub mod drift;
pub mod init;
pub mod manifest;
pub mod output;
pub mod practices;
pub mod project;
pub mod render;
pub mod stacks;
