//! PHP detection: a Composer project (`composer.json`).
//!
//! | looked at | gives |
//! | --- | --- |
//! | `composer.json` | the stack, `name` |
//! | `config.platform.php`, then `require.php` (`~8.2.0`, `8.3.*`, `^8.1`, `>=8.2`) | `version` |
//! | `require` entries `ext-*` not built into the php image | `extensions` (those that need a C library: a note naming its package) |
//! | `public/index.php`, `web/index.php`, or `index.php` at the top | `document_root` |
//! | routes such as `/health` in the PHP files | `[healthcheck] path` |
//! | `laravel/framework`, `symfony/framework-bundle` in `require` | `[app] writable` (`storage/app`, `storage/framework/*`, `storage/logs`, `bootstrap/cache`; `var`) and `env_required` (`APP_KEY`; `APP_SECRET`) |

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::init::sources;
use crate::init::{
    Detected, Detection, Detector, Found, Health, ProjectFiles, Setting, SettingValue,
    health_route, project_name, schema_file,
};
use crate::manifest::{StackName, Writable, WritableSpec};
use crate::stacks::php::{BUILT_IN_EXTENSIONS, Php, SELF_CONTAINED_EXTENSIONS};

/// Extensions that need a C library, with the Debian package to build them against.
const LIBRARIES: &[(&str, &str)] = &[
    ("intl", "libicu-dev"),
    ("zip", "libzip-dev"),
    ("gd", "libpng-dev"),
    ("pdo_pgsql", "libpq-dev"),
    ("pgsql", "libpq-dev"),
    ("gmp", "libgmp-dev"),
    ("xsl", "libxslt1-dev"),
    ("bz2", "libbz2-dev"),
    ("soap", "libxml2-dev"),
    ("ldap", "libldap2-dev"),
];

/// The PHP detector.
pub struct PhpDetector;

const LOOKS_FOR: &[&str] = &["composer.json"];

/// The PHP minor version a `require.php` constraint pins, when it pins one: `~8.2.0`, `8.2.*`,
/// `8.2.x`, `8.2.5`. A lower bound only (`^8.1`, `>=8.2`) pins none: the default serves it when
/// it is at least that version.
fn pinned_minor(constraint: &str) -> Option<String> {
    let c = constraint.trim();
    let minor = |v: &str| -> Option<String> {
        let parts: Vec<&str> = v.split('.').collect();
        (parts.len() >= 2
            && parts[0] == "8"
            && parts[1].chars().all(|ch| ch.is_ascii_digit())
            && !parts[1].is_empty())
        .then(|| format!("{}.{}", parts[0], parts[1]))
    };
    if c.contains(['|', ',', ' ', '<']) {
        return None;
    }
    if let Some(rest) = c.strip_prefix('~') {
        // ~8.2.0 allows 8.2.*; ~8.2 allows 8.*.
        return (rest.split('.').count() >= 3)
            .then(|| minor(rest))
            .flatten();
    }
    if c.ends_with(".*") || c.ends_with(".x") {
        return minor(c);
    }
    if c.chars().all(|ch| ch.is_ascii_digit() || ch == '.') && c.split('.').count() == 3 {
        return minor(c);
    }
    None
}

/// The lowest PHP `major.minor` a constraint's lower bound names (`^8.1`, `>=8.2`), for
/// checking that the default version satisfies it.
fn lower_bound(constraint: &str) -> Option<(u32, u32)> {
    let first = constraint
        .split("||")
        .next()?
        .trim()
        .trim_start_matches(['^', '>', '=', '~', 'v'])
        .trim();
    let mut parts = first.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
}

impl Detector for PhpDetector {
    fn stack(&self) -> StackName {
        StackName::Php
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        // Above a Node.js or static-site build the project also has (Laravel's Vite assets):
        // the PHP app is what runs.
        let app = ["index.php", "public/index.php", "web/index.php", "artisan"]
            .iter()
            .any(|f| files.is_file(f));
        match (files.is_file("composer.json"), app) {
            (false, _) => 0,
            (true, true) => 3,
            (true, false) => 2,
        }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let text = files.read("composer.json").unwrap_or_default();
        let composer: Json = serde_json::from_str(&text).unwrap_or_else(|_| {
            if files.is_file("composer.json") {
                notes.push("composer.json is not valid JSON: nothing was read from it".to_owned());
            }
            Json::Null
        });
        if !files.is_file("composer.lock") {
            notes.push(
                "no composer.lock: run `composer update --lock` (or `composer install`) before `dgen render`; the image installs the locked packages".to_owned(),
            );
        }
        let raw_name = composer["name"]
            .as_str()
            .map(|n| n.rsplit('/').next().unwrap_or(n).to_owned());
        let name = project_name(
            files,
            raw_name.as_deref().map(|n| (n, "composer.json name")),
        );
        let require: Vec<(String, String)> = composer["require"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default();

        let default = Php::default().version;
        let platform = composer["config"]["platform"]["php"].as_str();
        let constraint = require
            .iter()
            .find(|(k, _)| k == "php")
            .map(|(_, v)| v.clone());
        let version = if let Some(v) = platform.and_then(|p| {
            let parts: Vec<&str> = p.split('.').collect();
            (parts.len() >= 2 && parts[0] == "8").then(|| format!("{}.{}", parts[0], parts[1]))
        }) {
            Detected::found(v, "composer.json config.platform.php")
        } else if let Some(v) = constraint.as_deref().and_then(pinned_minor) {
            Detected::found(v, "composer.json require.php")
        } else {
            if let Some(c) = &constraint {
                let (dmaj, dmin) = lower_bound(&default).unwrap_or((8, 4));
                if let Some((maj, min)) = lower_bound(c)
                    && (maj, min) > (dmaj, dmin)
                {
                    notes.push(format!(
                        "composer.json requires PHP {c}, newer than the default {default}: set [php] version"
                    ));
                } else if lower_bound(c).is_some_and(|(maj, _)| maj < 8) && !c.contains("8") {
                    notes.push(format!(
                        "composer.json requires PHP {c}: the php images dgen uses are PHP 8; check that the app runs on {default}"
                    ));
                }
            }
            Detected::default(default.clone(), "no PHP version pinned in composer.json")
        };

        let mut extensions: Vec<String> = require
            .iter()
            .filter_map(|(k, _)| k.strip_prefix("ext-"))
            .map(|e| e.replace('-', "_"))
            .filter(|e| !BUILT_IN_EXTENSIONS.contains(&e.as_str()) && e != "opcache")
            .collect();
        extensions.sort();
        extensions.dedup();
        // Only those that build without a C library are set: another needs its -dev package,
        // pinned, which is the user's to choose.
        let (extensions, with_library): (Vec<String>, Vec<String>) = extensions
            .into_iter()
            .partition(|e| SELF_CONTAINED_EXTENSIONS.contains(&e.as_str()));
        for ext in &with_library {
            let package = LIBRARIES
                .iter()
                .find(|(e, _)| e == ext)
                .map_or("its -dev package".to_owned(), |(_, p)| format!("`{p}`"));
            notes.push(format!(
                "composer.json requires ext-{ext}, which needs a C library to build: add \"{ext}\" to [php] extensions and {package} (pinned) to [app] system_packages; until then the build stops at `composer check-platform-reqs`"
            ));
        }

        let (document_root, root_from) = if files.is_file("public/index.php") {
            ("public", "public/index.php")
        } else if files.is_file("web/index.php") {
            ("web", "web/index.php")
        } else if files.is_file("index.php") {
            ("", "index.php")
        } else if files.is_dir("public") {
            ("public", "public/")
        } else {
            notes.push(
                "no public/index.php or index.php found: check [php] document_root".to_owned(),
            );
            ("public", "")
        };
        let document_root = if root_from.is_empty() {
            Detected::default(document_root.to_owned(), "no front controller found")
        } else {
            Detected::found(document_root.to_owned(), root_from)
        };

        let laravel = require.iter().any(|(k, _)| k == "laravel/framework");
        let (keep, left_out) = sources::top_level(
            files,
            &["vendor", "var", "node_modules"],
            |f| f.ends_with(".php") || f == "artisan",
            |dir| {
                let never = ["tests", "test", "spec", "docs", "doc", "build"].contains(&dir);
                !(never || laravel && dir == "storage")
            },
        );

        let code: Vec<String> = files
            .walk("", ".php", 6)
            .into_iter()
            .filter(|p| !p.starts_with("vendor/") && !p.starts_with("tests/"))
            .collect();
        // Laravel 11's health route: `->withRouting(..., health: '/up')` in bootstrap/app.php.
        let laravel_health = files.read("bootstrap/app.php").and_then(|t| {
            let at = t.find("health:")? + "health:".len();
            crate::init::routes::literals(&t[at..])
                .first()
                .filter(|r| r.starts_with('/'))
                .map(|r| (*r).to_owned())
        });
        let healthcheck = if let Some(route) = laravel_health {
            Detected::found(Health::Http(route), "bootstrap/app.php")
                .because("Laravel's health route (withRouting health:)")
        } else {
            match health_route(files, &code) {
                Some((route, file)) => Detected::found(Health::Http(route.clone()), file)
                    .because(format!("the app has a route {route}")),
                None => Detected::found(Health::Http("/".to_owned()), "the front controller")
                    .because("Apache answers / (no health route found)"),
            }
        };

        let mut settings = vec![Setting::text(
            "version",
            "The PHP version: the app runs on php:<version>-apache",
            version,
        )];
        settings.push(Setting::text(
            "document_root",
            "The folder Apache serves, relative to the workdir (empty: the workdir)",
            document_root,
        ));
        if !extensions.is_empty() {
            settings.push(Setting::new(
                "extensions",
                "PHP extensions built into the image (docker-php-ext-install)",
                Detected::found(
                    SettingValue::List(extensions),
                    "composer.json require ext-*",
                ),
            ));
        }
        let mut runtime = crate::init::RuntimeNeeds::default();
        let requires = |name: &str| require.iter().any(|(k, _)| k == name);
        let framework: &[(&str, bool)] = if requires("laravel/framework") {
            // Laravel writes uploads and sessions, its cache, compiled views and logs under
            // storage/ (each folder must exist), and its package and route caches under
            // bootstrap/cache. storage/ holds no code: it is not copied.
            &[
                ("storage/app", true),
                ("storage/framework/sessions", true),
                ("storage/framework/cache", false),
                ("storage/framework/views", false),
                ("storage/logs", false),
                ("bootstrap/cache", false),
            ]
        } else if requires("symfony/framework-bundle") {
            // Symfony writes its cache and logs under var/.
            &[("var", false)]
        } else {
            &[]
        };
        for (path, persist) in framework {
            let value = if *persist {
                Writable::Path((*path).to_owned())
            } else {
                Writable::Spec(WritableSpec {
                    path: (*path).to_owned(),
                    persist: false,
                })
            };
            runtime.writable.push(Found {
                value,
                from: format!("composer.json: the framework writes {path}/"),
            });
        }
        if requires("laravel/framework") {
            runtime.env_required.push(Found {
                value: "APP_KEY".to_owned(),
                from: "composer.json: Laravel's encryption key".to_owned(),
            });
        } else if requires("symfony/framework-bundle") {
            runtime.env_required.push(Found {
                value: "APP_SECRET".to_owned(),
                from: "composer.json: Symfony's secret".to_owned(),
            });
        }
        Detection {
            stack: Detected::found(StackName::Php, "composer.json"),
            name,
            command: Detected::default(
                Vec::new(),
                "the php image runs Apache (apache2-foreground)",
            ),
            ports: Detected::default(vec![8080], "Apache on an unprivileged port"),
            sources: sources::detected(keep, &left_out),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            healthcheck,
            settings,
            suggestions: Vec::new(),
            notes,
            schema_file: schema_file(files),
            runtime,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints() {
        assert_eq!(pinned_minor("~8.2.0").as_deref(), Some("8.2"));
        assert_eq!(pinned_minor("8.3.*").as_deref(), Some("8.3"));
        assert_eq!(pinned_minor("8.3.4").as_deref(), Some("8.3"));
        assert_eq!(pinned_minor("^8.1"), None);
        assert_eq!(pinned_minor(">=8.2"), None);
        assert_eq!(pinned_minor("~8.2"), None);
        assert_eq!(pinned_minor("^8.1 || ^8.2"), None);
        assert_eq!(lower_bound("^8.1"), Some((8, 1)));
        assert_eq!(lower_bound(">=8.5"), Some((8, 5)));
        assert_eq!(lower_bound("^7.4 || ^8.0"), Some((7, 4)));
    }
}
