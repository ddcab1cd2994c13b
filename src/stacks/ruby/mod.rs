//! The Ruby stack: Bundler, a Rack app or Rails, served by Puma.
//!
//! Built the way Rails' own generated Dockerfile builds, and then some: a build stage on the
//! full `ruby:<version>` image (its compilers and `-dev` headers build native gems without an
//! apt layer) installs the locked gems from `Gemfile` and `Gemfile.lock` alone into
//! `/usr/local/bundle`, in deployment mode without the `development` and `test` groups
//! (`BUNDLE_DEPLOYMENT`, `BUNDLE_WITHOUT`: Bundler's settings as environment, in both stages),
//! with Bundler's caches and the gems' git checkouts removed in the same layer (P10); a source
//! edit reuses that layer (P09). Then the sources, bootsnap's precompiled cache (when bootsnap is
//! in `Gemfile.lock`: `bootsnap precompile --gemfile` with the gems, then the app's `app/` and
//! `lib/`, into `<workdir>/.bootsnap`, outside Rails' `tmp/`, which is a tmpfs at run time; read
//! only in the final image), and for Rails `assets:precompile` with `SECRET_KEY_BASE_DUMMY=1`, a build-only
//! dummy that never reaches the final image. The final stage is `ruby:<version>-slim` with the
//! gems and the built app, jemalloc preloaded (`libjemalloc2`, `LD_PRELOAD`: less memory
//! fragmentation for a threaded server), a system user (P15), and `[app] writable` for what
//! the app writes (Rails: `tmp`, `log`, `storage`). The health check runs `ruby -rnet/http`:
//! the slim image has no curl.
//!
//! Templates: `templates/` in this folder, named `ruby/<file>`.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`): `examples/ruby-rack`.
//! `dgen init` fixtures: `tests/fixtures/init/ruby-rails`, `tests/fixtures/init/ruby-rack`.
//! Practice tests: `tests/integration/practices_ruby.rs`.

pub(crate) mod init;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use include_dir::{Dir, include_dir};

use super::{Probe, Stack};
use crate::manifest::{Checker, Manifest, StackName};

/// Settings of the Ruby stack (`[ruby]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Ruby {
    /// The Ruby version, e.g. `3.4`: gems are built on `ruby:<version>` and the app runs on
    /// `ruby:<version>-slim`.
    pub version: String,
    /// The Gemfile groups left out of the image (`BUNDLE_WITHOUT`).
    pub without: Vec<String>,
    /// A Rails app: `RAILS_ENV=production`, and `assets_precompile` applies.
    pub rails: bool,
    /// Run `./bin/rails assets:precompile` in the build stage, with the build-only
    /// `SECRET_KEY_BASE_DUMMY=1` (Rails only; needs `bin` among the sources).
    pub assets_precompile: bool,
    /// Precompile bootsnap's cache in the build stage (the gems, then `app/` and `lib/` when
    /// they are sources). Only when bootsnap is in `Gemfile.lock`.
    pub bootsnap: bool,
    /// Preload jemalloc (Debian's `libjemalloc2`, pinned to `jemalloc_version`) in the final
    /// image.
    pub jemalloc: bool,
    /// The `libjemalloc2` version pattern apt installs, e.g. `5.3.*`.
    pub jemalloc_version: String,
}

impl Default for Ruby {
    fn default() -> Self {
        Ruby {
            version: "3.4".to_owned(),
            without: vec!["development".to_owned(), "test".to_owned()],
            rails: false,
            assets_precompile: false,
            bootsnap: false,
            jemalloc: true,
            jemalloc_version: "5.3.*".to_owned(),
        }
    }
}

/// Where the final image's jemalloc is linked, whatever the architecture's library folder.
pub const JEMALLOC_PATH: &str = "/usr/local/lib/libjemalloc.so.2";

/// The gems' folder (`BUNDLE_PATH`).
pub const BUNDLE_PATH: &str = "/usr/local/bundle";

/// The templates, named `ruby/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/ruby/templates");

/// The Ruby stack.
pub struct RubyStack;

#[derive(Serialize)]
struct Context {
    build_image: String,
    bundle_path: &'static str,
    without: String,
    rails: bool,
    assets_precompile: bool,
    bootsnap: bool,
    bootsnap_dirs: Vec<String>,
    bootsnap_cache: String,
    jemalloc: Option<String>,
    jemalloc_path: &'static str,
}

fn is_group(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

impl Stack for RubyStack {
    type Settings = Ruby;

    fn table(manifest: &Manifest) -> Option<&Ruby> {
        manifest.ruby.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::RubyDetector)
    }

    fn name(&self) -> StackName {
        StackName::Ruby
    }

    fn description(&self) -> &'static str {
        "Ruby with Bundler: a Rack app or Rails, served by Puma"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &["ruby"]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = RubyStack::settings(manifest);
        let major_ok = s
            .version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|m| m >= 3);
        if !crate::manifest::is_version(&s.version, 2..=3) || !major_ok {
            c.error(
                "ruby-version",
                &["ruby".into(), "version".into()],
                format!("`{}` is not a Ruby 3 version", s.version),
                "expected e.g. \"3.4\"",
            );
        }
        for (i, group) in s.without.iter().enumerate() {
            if !is_group(group) {
                c.error(
                    "ruby-group",
                    &["ruby".into(), "without".into(), i.into()],
                    format!("`{group}` is not a Gemfile group name"),
                    "expected e.g. \"development\"",
                );
            }
        }
        let pattern_ok = !s.jemalloc_version.is_empty()
            && s.jemalloc_version
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".*+~:-".contains(ch));
        if !pattern_ok {
            c.error(
                "ruby-jemalloc-version",
                &["ruby".into(), "jemalloc_version".into()],
                format!("`{}` is not an apt version pattern", s.jemalloc_version),
                "expected e.g. \"5.3.*\"",
            );
        }
        if s.assets_precompile && !s.rails {
            c.error(
                "ruby-assets",
                &["ruby".into(), "assets_precompile".into()],
                "assets:precompile is a Rails task: set rails = true, or assets_precompile = false",
                "not a Rails app",
            );
        } else if s.assets_precompile && !manifest.app.sources.iter().any(|p| p == "bin") {
            c.error(
                "ruby-assets",
                &["ruby".into(), "assets_precompile".into()],
                "assets:precompile runs ./bin/rails: `bin` must be among [app] sources",
                "bin/rails not copied",
            );
        }
        let gemfile = ["stack".into()];
        c.must_exist(&gemfile, "Gemfile", "Gemfile", true);
        if c.project_dir()
            .is_some_and(|d| !d.join("Gemfile.lock").exists())
        {
            c.warning(
                "ruby-lock-missing",
                &gemfile,
                "Gemfile.lock does not exist next to the manifest: the build copies it and installs the locked gems",
                "no Gemfile.lock",
            )
            .help = Some("run `bundle lock` and commit Gemfile.lock".to_owned());
        }
        if s.bootsnap
            && let Some(dir) = c.project_dir()
            && let Ok(lock) = std::fs::read_to_string(dir.join("Gemfile.lock"))
            && !lock
                .lines()
                .any(|l| l.trim_start().starts_with("bootsnap "))
        {
            c.error(
                "ruby-bootsnap",
                &["ruby".into(), "bootsnap".into()],
                "bootsnap is not in Gemfile.lock",
                "no bootsnap gem",
            )
            .help = Some("add it to the Gemfile, or set bootsnap = false".to_owned());
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        format!("ruby:{}-slim", RubyStack::settings(manifest).version)
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = RubyStack::settings(manifest);
        let bootsnap_dirs = ["app", "lib"]
            .iter()
            .filter(|d| manifest.app.sources.iter().any(|p| p == *d))
            .map(|d| format!("{d}/"))
            .collect();
        minijinja::Value::from(minijinja::value::Serde(Context {
            build_image: format!("ruby:{}", s.version),
            bundle_path: BUNDLE_PATH,
            without: s.without.join(":"),
            rails: s.rails,
            assets_precompile: s.assets_precompile && s.rails,
            bootsnap: s.bootsnap,
            bootsnap_dirs,
            bootsnap_cache: format!("{}/.bootsnap", manifest.app.workdir.trim_end_matches('/')),
            jemalloc: s.jemalloc.then(|| s.jemalloc_version.clone()),
            jemalloc_path: JEMALLOC_PATH,
        }))
    }

    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        // The port, path and timeout are arguments, never part of the code.
        let (code, args) = match probe {
            Probe::Http {
                port,
                path,
                timeout_secs,
            } => (
                vec![
                    "-rnet/http",
                    "-e",
                    "h = Net::HTTP.new(\"127.0.0.1\", Integer(ARGV[0])); h.open_timeout = h.read_timeout = Float(ARGV[2]); code = Integer(h.get(ARGV[1]).code); exit(code >= 200 && code < 400)",
                ],
                vec![port.to_string(), path.clone(), timeout_secs.to_string()],
            ),
            Probe::Tcp { port, timeout_secs } => (
                vec![
                    "-rsocket",
                    "-e",
                    "Socket.tcp(\"127.0.0.1\", Integer(ARGV[0]), connect_timeout: Float(ARGV[1])).close",
                ],
                vec![port.to_string(), timeout_secs.to_string()],
            ),
        };
        std::iter::once("ruby")
            .chain(code)
            .map(str::to_owned)
            .chain(args)
            .collect()
    }
}
