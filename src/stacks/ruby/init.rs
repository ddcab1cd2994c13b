//! Ruby detection: a Bundler project (`Gemfile`) that is a Rack app (`config.ru`) or Rails.
//!
//! | looked at | gives |
//! | --- | --- |
//! | `Gemfile` with `config.ru`, `config/application.rb` or `bin/rails` | the stack |
//! | `.ruby-version`, `ruby "…"` in the Gemfile, `RUBY VERSION` in `Gemfile.lock` | `version` |
//! | `config/application.rb`, `rails` in `Gemfile.lock` | `rails`, `RAILS_ENV`, writable `tmp`, `log`, `storage` |
//! | `bootsnap` in `Gemfile.lock` | `bootsnap` |
//! | `app/assets`, sprockets or propshaft in `Gemfile.lock` | `assets_precompile` |
//! | jsbundling-rails or cssbundling-rails in `Gemfile.lock` | a note: the build stage has no Node.js |
//! | `PLATFORMS` of `Gemfile.lock` without Linux | a note: `bundle lock --add-platform` |
//! | `puma` in `Gemfile.lock`, `config/puma.rb` and its `port` | the command and the port |
//! | `config/database.yml` and `bin/rails` | `[app] release = [["./bin/rails", "db:prepare"]]` |
//! | `rails/health#show` in `config/routes.rb`, or routes such as `/health` | `[healthcheck] path` |

use std::collections::BTreeMap;

use crate::init::sources;
use crate::init::{
    Detected, Detection, Detector, Found, Health, ProjectFiles, Setting, SettingValue,
    health_route, project_name, schema_file,
};
use crate::manifest::{StackName, Writable, WritableSpec};
use crate::stacks::ruby::Ruby;

/// The Ruby detector.
pub struct RubyDetector;

const LOOKS_FOR: &[&str] = &["Gemfile (with config.ru or a Rails layout)"];

/// Whether `lock` (Gemfile.lock) locks the gem `name`.
fn locks(lock: &str, name: &str) -> bool {
    let spec = format!("    {name} (");
    lock.lines().any(|l| l.starts_with(&spec))
}

/// `3.3` from `3.3.1`, `ruby-3.3.1`, `ruby 3.3.1p55`, `"~> 3.3.0"`.
fn minor(text: &str) -> Option<String> {
    let start = text.find(|ch: char| ch.is_ascii_digit())?;
    let digits: Vec<&str> = text[start..]
        .split(|ch: char| !ch.is_ascii_digit() && ch != '.')
        .next()?
        .split('.')
        .collect();
    (digits.len() >= 2 && digits[0] == "3" && !digits[1].is_empty())
        .then(|| format!("{}.{}", digits[0], digits[1]))
}

/// The exact `x.y.z` of a version pin with no operator (`3.2.2`, `ruby-3.3.5`, `"3.4.1"`):
/// what Bundler enforces when the Gemfile's `ruby` line names it.
fn exact(text: &str) -> Option<String> {
    let start = text.find(|ch: char| ch.is_ascii_digit())?;
    if text[..start].contains(['~', '<', '>', '=']) {
        return None;
    }
    let digits: Vec<&str> = text[start..]
        .split(|ch: char| !ch.is_ascii_digit() && ch != '.')
        .next()?
        .split('.')
        .collect();
    (digits.len() == 3 && digits[0] == "3" && digits.iter().all(|d| !d.is_empty()))
        .then(|| digits.join("."))
}

/// The port of a `port N` or `port ENV.fetch("PORT", N)` line of config/puma.rb.
fn puma_port(text: &str) -> Option<u32> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("port ")?;
        let digits: String = rest
            .rsplit(|ch: char| !ch.is_ascii_digit())
            .find(|p| !p.is_empty())?
            .to_owned();
        digits.parse().ok()
    })
}

impl Detector for RubyDetector {
    fn stack(&self) -> StackName {
        StackName::Ruby
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        if !files.is_file("Gemfile") {
            0
        } else if files.is_file("config.ru")
            || files.is_file("config/application.rb")
            || files.is_file("bin/rails")
        {
            // Above a Node.js or static-site build the project also has (jsbundling,
            // Vite Ruby): the Ruby app is what runs.
            3
        } else {
            1
        }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let gemfile = files.read("Gemfile").unwrap_or_default();
        let lock = files.read("Gemfile.lock").unwrap_or_default();
        if !files.is_file("Gemfile.lock") {
            notes.push(
                "no Gemfile.lock: run `bundle lock` before `dgen render`; the image installs the locked gems".to_owned(),
            );
        }
        // Deployment mode installs only for the platforms the lock names: a lock made on a Mac
        // alone cannot install on Linux.
        let platforms: Vec<&str> = lock
            .split("\nPLATFORMS\n")
            .nth(1)
            .map(|rest| {
                rest.lines()
                    .take_while(|l| l.starts_with("  "))
                    .map(str::trim)
                    .collect()
            })
            .unwrap_or_default();
        if !platforms.is_empty()
            && !platforms
                .iter()
                .any(|p| *p == "ruby" || p.contains("linux"))
        {
            notes.push(format!(
                "Gemfile.lock names no Linux platform ({}): run `bundle lock --add-platform x86_64-linux` (and aarch64-linux for ARM) before building",
                platforms.join(", ")
            ));
        }
        let rails = files.is_file("config/application.rb") || locks(&lock, "rails");
        let default = Ruby::default().version;
        let version = files
            .read(".ruby-version")
            .and_then(|t| minor(&t))
            .map(|v| (v, ".ruby-version"))
            .or_else(|| {
                gemfile
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("ruby ").and_then(minor))
                    .map(|v| (v, "Gemfile ruby"))
            })
            .or_else(|| {
                lock.split("RUBY VERSION")
                    .nth(1)
                    .and_then(|rest| rest.lines().nth(1))
                    .and_then(minor)
                    .map(|v| (v, "Gemfile.lock RUBY VERSION"))
            });
        // A `ruby` line in the Gemfile is enforced: Bundler refuses any other Ruby, so an exact
        // pin (`ruby "3.2.2"`, or `ruby file: ".ruby-version"` holding one) becomes the image's
        // exact tag, as Rails' own Dockerfile does; otherwise the minor line, which gets patches.
        let gemfile_ruby = gemfile
            .lines()
            .find_map(|l| l.trim().strip_prefix("ruby "))
            .map(str::to_owned);
        let enforced = gemfile_ruby.and_then(|line| {
            if line.contains("file:") {
                files.read(".ruby-version").and_then(|t| exact(&t))
            } else {
                exact(&line)
            }
        });
        let version = match (enforced, version) {
            (Some(pin), _) => Detected::found(pin, "Gemfile ruby")
                .because("Bundler refuses any other Ruby than the Gemfile's exact one"),
            (None, Some((v, from))) => Detected::found(v, from),
            (None, None) => Detected::default(default, "no Ruby version found"),
        };
        let bootsnap = locks(&lock, "bootsnap");
        if let Some(gem) = ["jsbundling-rails", "cssbundling-rails"]
            .into_iter()
            .find(|g| locks(&lock, g))
        {
            notes.push(format!(
                "{gem} is in Gemfile.lock: assets:precompile runs the package.json build, and the build stage has no Node.js; add it ([app] build_packages, pinned) or build the assets before `docker build`"
            ));
        }
        let assets = rails
            && (files.is_dir("app/assets")
                || locks(&lock, "sprockets")
                || locks(&lock, "propshaft"));
        let puma =
            locks(&lock, "puma") || gemfile.contains("\"puma\"") || gemfile.contains("'puma'");
        let puma_rb = files.read("config/puma.rb");
        let default_port = if rails { 3000 } else { 9292 };
        let ports = match puma_rb.as_deref().and_then(puma_port) {
            Some(p) => Detected::found(vec![p], "config/puma.rb port"),
            None if rails => Detected::default(vec![default_port], "Rails' port"),
            None => Detected::default(vec![default_port], "Puma's and rackup's port"),
        };
        let port = ports.value[0];
        let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let command = if puma && puma_rb.is_some() {
            Detected::found(
                words(&["bundle", "exec", "puma", "-C", "config/puma.rb"]),
                "config/puma.rb",
            )
        } else if puma {
            Detected::found(
                vec![
                    "bundle".to_owned(),
                    "exec".to_owned(),
                    "puma".to_owned(),
                    "--bind".to_owned(),
                    format!("tcp://0.0.0.0:{port}"),
                ],
                if locks(&lock, "puma") {
                    "Gemfile.lock puma"
                } else {
                    "the Gemfile's puma"
                },
            )
        } else if rails {
            Detected::found(
                vec![
                    "./bin/rails".to_owned(),
                    "server".to_owned(),
                    "--binding".to_owned(),
                    "0.0.0.0".to_owned(),
                    "--port".to_owned(),
                    port.to_string(),
                ],
                "config/application.rb",
            )
        } else {
            notes.push("no puma in Gemfile.lock: the app runs with rackup; add puma for a production server".to_owned());
            Detected::found(
                vec![
                    "bundle".to_owned(),
                    "exec".to_owned(),
                    "rackup".to_owned(),
                    "--host".to_owned(),
                    "0.0.0.0".to_owned(),
                    "--port".to_owned(),
                    port.to_string(),
                ],
                "config.ru",
            )
        };
        let routes = files.read("config/routes.rb").unwrap_or_default();
        let code: Vec<String> = files
            .walk("", ".rb", 6)
            .into_iter()
            .chain(files.is_file("config.ru").then(|| "config.ru".to_owned()))
            .filter(|p| {
                !p.starts_with("vendor/") && !p.starts_with("spec/") && !p.starts_with("test/")
            })
            .collect();
        let healthcheck = if routes.contains("rails/health#show") {
            Detected::found(Health::Http("/up".to_owned()), "config/routes.rb")
                .because("Rails' health check, rails/health#show")
        } else {
            match health_route(files, &code) {
                Some((route, file)) => Detected::found(Health::Http(route.clone()), file)
                    .because(format!("the app has a route {route}")),
                None => Detected::default(Health::Tcp, "no health route found"),
            }
        };
        let (keep, left_out) = sources::top_level(
            files,
            &["vendor", "tmp", "log", "node_modules", "coverage"],
            |f| f.ends_with(".rb") || f == "config.ru" || f == "Rakefile",
            |dir| !["spec", "test", "tests", "docs", "doc", "storage"].contains(&dir),
        );
        let name = project_name(files, None);
        let mut settings = vec![Setting::text(
            "version",
            "The Ruby version: gems build on ruby:<version>, the app runs on ruby:<version>-slim",
            version,
        )];
        if rails {
            settings.push(Setting::new(
                "rails",
                "A Rails app: RAILS_ENV=production",
                Detected::found(SettingValue::Bool(true), "config/application.rb"),
            ));
        }
        if assets {
            settings.push(Setting::new(
                "assets_precompile",
                "Run assets:precompile in the build stage, with a build-only dummy secret",
                Detected::found(
                    SettingValue::Bool(true),
                    "the asset pipeline in Gemfile.lock",
                ),
            ));
        }
        if bootsnap {
            settings.push(Setting::new(
                "bootsnap",
                "Precompile bootsnap's cache in the build stage",
                Detected::found(SettingValue::Bool(true), "Gemfile.lock bootsnap"),
            ));
        }
        let mut detection = Detection {
            stack: Detected::found(
                StackName::Ruby,
                if rails {
                    "config/application.rb"
                } else {
                    "Gemfile"
                },
            ),
            name,
            command,
            ports,
            sources: sources::detected(keep, &left_out),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            healthcheck,
            settings,
            suggestions: Vec::new(),
            notes,
            schema_file: schema_file(files),
            runtime: Default::default(),
        };
        if rails {
            for (path, persist) in [("tmp", false), ("log", false), ("storage", true)] {
                let value = if persist {
                    Writable::Path(path.to_owned())
                } else {
                    Writable::Spec(WritableSpec {
                        path: path.to_owned(),
                        persist: false,
                    })
                };
                detection.runtime.writable.push(Found {
                    value,
                    from: format!("Rails writes {path}/"),
                });
            }
            // What Rails' own docker-entrypoint does before the server: create or migrate the
            // database (a one-shot compose service that shares the app's volumes).
            if files.is_file("config/database.yml") && files.is_file("bin/rails") {
                detection.runtime.release = Some(
                    Detected::found(
                        vec![vec!["./bin/rails".to_owned(), "db:prepare".to_owned()]],
                        "config/database.yml",
                    )
                    .because("Rails' docker-entrypoint runs db:prepare before the server"),
                );
            }
            let key = if files.is_file("config/credentials.yml.enc") {
                "RAILS_MASTER_KEY"
            } else {
                "SECRET_KEY_BASE"
            };
            detection.runtime.env_required.push(Found {
                value: key.to_owned(),
                from: "Rails' secrets in production".to_owned(),
            });
        }
        detection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_ports() {
        assert_eq!(minor("3.3.1\n").as_deref(), Some("3.3"));
        assert_eq!(minor("ruby-3.2.2").as_deref(), Some("3.2"));
        assert_eq!(minor("   ruby 3.4.1p0").as_deref(), Some("3.4"));
        assert_eq!(minor("\"~> 3.3.0\"").as_deref(), Some("3.3"));
        assert_eq!(minor("2.7.8"), None);
        assert_eq!(exact("\"3.2.2\"").as_deref(), Some("3.2.2"));
        assert_eq!(exact("ruby-3.3.5\n").as_deref(), Some("3.3.5"));
        assert_eq!(exact("\"~> 3.3.0\""), None);
        assert_eq!(exact("\">= 3.1.0\""), None);
        assert_eq!(exact("\"3.3\""), None);
        assert_eq!(puma_port("port ENV.fetch(\"PORT\", 3000)\n"), Some(3000));
        assert_eq!(puma_port("port 4567"), Some(4567));
        assert!(locks("GEM\n  specs:\n    bootsnap (1.18.4)\n", "bootsnap"));
        assert!(!locks(
            "GEM\n  specs:\n      bootsnap (>= 1.4)\n",
            "bootsnap"
        ));
    }
}
