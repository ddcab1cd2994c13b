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
pub mod ignore;
pub mod init;
pub mod lint;
pub mod lock;
pub mod manifest;
pub mod output;
pub mod practices;
pub mod project;
pub mod reference;
pub mod render;
pub mod runtime;
pub mod secrets;
pub mod stacks;
pub mod values;
