//! Go detection: `go.mod` (the module and the Go version), the main package (the project's
//! root or one under `cmd/`), the port the code listens on, a health route, and the sources.
//!
//! | looked at | gives |
//! | --- | --- |
//! | `go.mod` `go` and `toolchain` lines | `version` (never older than dgen's default) |
//! | `package main` with `func main(` at the root or under `cmd/` | `main`, `binary`, `command` |
//! | `":8080"`-like literals, `os.Getenv("PORT")` | `ports`, `env PORT` |
//! | `//go:embed` | whether asset directories are build inputs (`sources`) or run-time `assets` |
//! | routes such as `/healthz` in the code | `[healthcheck] path` |

use std::collections::BTreeMap;

use crate::init::sources::{self, port_after};
use crate::init::{
    Detected, Detection, Detector, Health, ProjectFiles, Setting, SettingValue, health_route,
    project_name, routes::literals, schema_file, services,
};
use crate::manifest::StackName;
use crate::stacks::go::Go;

/// The Go detector.
pub struct GoDetector;

const LOOKS_FOR: &[&str] = &["go.mod"];

/// Directories read at run time rather than compiled.
const ASSET_DIRS: [&str; 6] = [
    "templates",
    "static",
    "public",
    "web",
    "assets",
    "migrations",
];

/// `(major, minor)` of a Go version such as `1.22`, `1.22.3`, `go1.23.4`.
fn go_version(text: &str) -> Option<(u32, u32)> {
    let text = text.trim().trim_start_matches("go");
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

/// Whether the Go files of directory `dir` (`""` for the root) make a main package.
fn is_main_package(files: &ProjectFiles, dir: &str) -> Option<String> {
    let list = files.walk(dir, ".go", 0);
    list.into_iter().find(|f| {
        !f.ends_with("_test.go")
            && files
                .read(f)
                .is_some_and(|t| t.contains("package main") && t.contains("func main("))
    })
}

impl Detector for GoDetector {
    fn stack(&self) -> StackName {
        StackName::Go
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        if files.is_file("go.mod") { 2 } else { 0 }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let go_mod = files.read("go.mod").unwrap_or_default();
        let module = go_mod
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))
            .map(|m| m.trim().to_owned())
            .unwrap_or_default();

        // The version: the image's Go must be at least what go.mod asks for.
        let default = Go::default().version;
        let mut version = Detected::default(default.clone(), "no go.mod go line found");
        let wanted = go_mod.lines().find_map(|l| {
            let l = l.trim();
            l.strip_prefix("toolchain ")
                .map(|v| (v.trim().to_owned(), "go.mod toolchain"))
        });
        let wanted = wanted.or_else(|| {
            go_mod.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("go ")
                    .map(|v| (v.trim().to_owned(), "go.mod go directive"))
            })
        });
        if let Some((text, from)) = wanted
            && let Some((major, minor)) = go_version(&text)
        {
            if go_version(&default).is_some_and(|d| d >= (major, minor)) {
                version = Detected::default(
                    default,
                    format!("{from} asks for Go {major}.{minor} or newer"),
                );
            } else {
                version = Detected::found(format!("{major}.{minor}"), from);
            }
        }

        // The main package: the root, else one under cmd/.
        let mut mains: Vec<(String, String)> = Vec::new(); // (package dir, file)
        if let Some(file) = is_main_package(files, "") {
            mains.push((".".to_owned(), file));
        }
        if files.is_dir("cmd") {
            for (dir, file) in files
                .walk("cmd", ".go", 1)
                .iter()
                .filter_map(|f| f.rsplit_once('/').map(|(d, _)| d.to_owned()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter_map(|d| is_main_package(files, &d).map(|f| (d, f)))
            {
                mains.push((dir, file));
            }
        }
        let module_base = module.rsplit('/').next().unwrap_or("app").to_owned();
        let preferred = ["server", "api", "web", "app", module_base.as_str()];
        mains.sort_by_key(|(d, _)| {
            let base = d.rsplit('/').next().unwrap_or(d);
            (d != ".", !preferred.contains(&base), d.clone())
        });
        if mains.len() > 1 {
            let others: Vec<&str> = mains[1..].iter().map(|(d, _)| d.as_str()).collect();
            notes.push(format!(
                "several main packages: building {}; the others ({}) are left out (set [go] main to change)",
                mains[0].0,
                others.join(", ")
            ));
        }
        let (main, main_file) = mains.first().cloned().unwrap_or_else(|| {
            notes.push("no main package found: set [go] main".to_owned());
            (".".to_owned(), String::new())
        });
        let binary = if main == "." {
            module_base.clone()
        } else {
            main.rsplit('/').next().unwrap_or(&main).to_owned()
        };
        let name = project_name(
            files,
            (!module_base.is_empty()).then_some((module_base.as_str(), "go.mod module")),
        );

        // Sources: the packages (directories with Go code) and root Go files; asset directories
        // are sources when embedded, else run-time assets.
        let go_files = files.walk("", ".go", 6);
        let embeds = go_files
            .iter()
            .any(|f| files.read(f).is_some_and(|t| t.contains("//go:embed")));
        let (keep, left_out) = sources::top_level(
            files,
            &[],
            |name| name.ends_with(".go") && !name.ends_with("_test.go"),
            |dir| !files.walk(dir, ".go", 6).is_empty() || (embeds && ASSET_DIRS.contains(&dir)),
        );
        let assets: Vec<String> = if embeds {
            Vec::new()
        } else {
            ASSET_DIRS
                .iter()
                .filter(|d| files.is_dir(d))
                .map(|d| (*d).to_owned())
                .collect()
        };
        let left_out: Vec<_> = left_out
            .into_iter()
            .filter(|(n, _)| !assets.contains(n))
            .collect();

        // The port, from the main package's files.
        let main_files: Vec<String> = if main_file.is_empty() {
            Vec::new()
        } else {
            files.walk(if main == "." { "" } else { &main }, ".go", 0)
        };
        let mut port = None;
        let mut reads_port: Option<String> = None;
        for path in main_files.iter().chain(go_files.iter()) {
            let Some(text) = files.read(path) else {
                continue;
            };
            if reads_port.is_none() && text.contains("Getenv(\"PORT\")") {
                reads_port = Some(path.clone());
            }
            if port.is_none() {
                port = text
                    .lines()
                    .flat_map(|l| {
                        literals(l)
                            .into_iter()
                            .map(str::to_owned)
                            .collect::<Vec<_>>()
                    })
                    .find_map(|lit| {
                        let (host, p) = lit.rsplit_once(':')?;
                        let host_ok = host.is_empty()
                            || host == "0.0.0.0"
                            || host == "localhost"
                            || host == "127.0.0.1";
                        let p: u32 = p.parse().ok()?;
                        (host_ok && (80..=65535).contains(&p)).then_some(p)
                    })
                    .or_else(|| port_after(&text, "Getenv(\"PORT\")"))
                    .or_else(|| {
                        // `if port == "" { port = "9090" }`: a fallback for PORT.
                        text.contains("Getenv(\"PORT\")")
                            .then(|| {
                                text.lines()
                                    .filter(|l| l.contains("port") || l.contains("PORT"))
                                    .flat_map(|l| {
                                        literals(l)
                                            .into_iter()
                                            .map(str::to_owned)
                                            .collect::<Vec<_>>()
                                    })
                                    .find_map(|lit| {
                                        lit.parse::<u32>()
                                            .ok()
                                            .filter(|p| (1024..=65535).contains(p))
                                    })
                            })
                            .flatten()
                    })
                    .map(|p| (p, path.clone()));
            }
        }
        let ports = match &port {
            Some((p, path)) => Detected::found(vec![*p], path.clone()),
            None => Detected::default(vec![8080], "the usual port of Go servers"),
        };
        let env = match &reads_port {
            Some(file) => Detected::found(
                BTreeMap::from([("PORT".to_owned(), ports.value[0].to_string())]),
                file.clone(),
            )
            .because("the app reads PORT"),
            None => Detected::default(BTreeMap::new(), "nothing needed"),
        };
        let healthcheck = match health_route(files, &go_files) {
            Some((route, file)) => Detected::found(Health::Http(route.clone()), file)
                .because(format!("the app has a route {route}")),
            None => Detected::default(Health::Tcp, "no health route found"),
        };

        let mut settings = vec![
            Setting::text(
                "version",
                "The Go version: selects the golang build image",
                version,
            ),
            Setting::text(
                "main",
                "The main package to build",
                Detected::found(
                    if main == "." {
                        main.clone()
                    } else {
                        format!("./{main}")
                    },
                    if main_file.is_empty() {
                        "nothing".to_owned()
                    } else {
                        main_file.clone()
                    },
                ),
            ),
        ];
        if binary != name.value {
            settings.push(Setting::text(
                "binary",
                "The binary's name, installed in /usr/local/bin",
                Detected::found(binary.clone(), "the main package's directory"),
            ));
        }
        if !assets.is_empty() {
            settings.push(Setting::new(
                "assets",
                "Directories the binary reads at run time, copied next to it",
                Detected::found(SettingValue::List(assets), "the project's layout"),
            ));
        }
        let command_binary = if settings.iter().any(|s| s.key == "binary") {
            binary
        } else {
            name.value.clone()
        };
        let requires: Vec<String> = go_mod
            .lines()
            .filter_map(|l| {
                let l = l.trim().trim_start_matches("require ").trim();
                l.split_whitespace().next().filter(|w| w.contains('/'))
            })
            .map(str::to_owned)
            .collect();
        Detection {
            stack: Detected::found(StackName::Go, "go.mod"),
            name,
            command: Detected::found(vec![command_binary], "the main package")
                .because("the binary the build installs"),
            ports,
            sources: sources::detected(keep, &left_out),
            env,
            healthcheck,
            settings,
            suggestions: services::suggestions(&requires, "go.mod"),
            notes,
            schema_file: schema_file(files),
            runtime: Default::default(),
        }
    }
}
