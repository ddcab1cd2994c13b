//! The integration tests, as one test binary (one link instead of one per file): each file of
//! this folder is a module; `tests/common` holds what they share.

#[path = "../common/mod.rs"]
mod common;

mod berry;
mod buildopts;
mod cli;
mod corpus_fixes;
mod cross_platforms;
mod docs;
mod drift;
mod drift_newstacks;
mod env_example;
mod examples;
mod extras;
mod hardening;
mod init;
mod init_layouts;
mod init_php;
mod injection;
mod lint;
mod lock;
mod node_layouts;
mod practices;
mod practices_dotnet;
mod practices_go;
mod practices_java;
mod practices_node;
mod practices_php;
mod practices_ruby;
mod practices_rust;
mod practices_static;
mod property;
mod runtime;
mod schema;
mod ship;
mod writable_native;
