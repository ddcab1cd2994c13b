//! .NET detection: project files (`*.csproj`, `*.fsproj`) or a solution (`*.sln`).
//!
//! | looked at | gives |
//! | --- | --- |
//! | the project with `Sdk="Microsoft.NET.Sdk.Web"` (else the first that is not a test project) | `project`, the command (`dotnet <AssemblyName>.dll`) |
//! | `<TargetFramework>net8.0</TargetFramework>`, `global.json`'s SDK version | `version` |
//! | the project files, `*.sln`, `Directory.Build.props`, `Directory.Packages.props`, `NuGet.config`, `global.json` | `restore_files` |
//! | `MapHealthChecks("/healthz")` and other routes in the `.cs` files | `[healthcheck] path` |

use std::collections::BTreeMap;

use crate::init::sources;
use crate::init::{
    Detected, Detection, Detector, Health, ProjectFiles, Setting, SettingValue, health_route,
    project_name, schema_file,
};
use crate::manifest::StackName;
use crate::stacks::dotnet::Dotnet;

/// The .NET detector.
pub struct DotnetDetector;

const LOOKS_FOR: &[&str] = &["*.csproj", "*.fsproj", "*.sln"];

/// Folders never searched for projects.
fn skipped(path: &str) -> bool {
    path.split('/')
        .any(|p| matches!(p, "bin" | "obj" | "node_modules") || p.starts_with('.'))
}

fn projects(files: &ProjectFiles) -> Vec<String> {
    [".csproj", ".fsproj"]
        .iter()
        .flat_map(|ext| files.walk("", ext, 4))
        .filter(|p| !skipped(p))
        .collect()
}

fn is_test(path: &str, text: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("test") || text.contains("Microsoft.NET.Test.Sdk")
}

/// The text between `<tag>` and `</tag>`.
fn xml_value<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let start = text.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = text[start..].find("</")? + start;
    Some(text[start..end].trim())
}

/// `8.0` from `net8.0` (or `net8.0;net9.0`: the highest).
fn framework_version(tfm: &str) -> Option<String> {
    tfm.split(';')
        .filter_map(|t| {
            let v = t.trim().strip_prefix("net")?;
            let v = v.split('-').next()?;
            let (major, minor) = v.split_once('.')?;
            let major: u32 = major.parse().ok()?;
            let minor: u32 = minor.parse().ok()?;
            (major >= 5).then_some((major, minor))
        })
        .max()
        .map(|(a, b)| format!("{a}.{b}"))
}

impl Detector for DotnetDetector {
    fn stack(&self) -> StackName {
        StackName::Dotnet
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        let mut top = files.top();
        if top.any(|(n, d)| {
            !d && (n.ends_with(".sln") || n.ends_with(".csproj") || n.ends_with(".fsproj"))
        }) || !projects(files).is_empty()
        {
            // Above the Node.js build of an SPA front end the project may also have.
            3
        } else {
            0
        }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let all = projects(files);
        let texts: Vec<(String, String)> = all
            .iter()
            .map(|p| (p.clone(), files.read(p).unwrap_or_default()))
            .collect();
        let web = texts
            .iter()
            .find(|(_, t)| t.contains("Microsoft.NET.Sdk.Web"))
            .or_else(|| texts.iter().find(|(p, t)| !is_test(p, t)));
        let (project, text) = match web {
            Some((p, t)) => (Detected::found(p.clone(), p.clone()), t.clone()),
            None => {
                notes.push("no ASP.NET Core project found: set [dotnet] project".to_owned());
                (
                    Detected::default(String::new(), "no project file found"),
                    String::new(),
                )
            }
        };
        let stem = project
            .value
            .rsplit('/')
            .next()
            .unwrap_or("")
            .rsplit_once('.')
            .map_or("", |(s, _)| s)
            .to_owned();
        let assembly = xml_value(&text, "AssemblyName")
            .filter(|a| !a.contains('$'))
            .map(str::to_owned)
            .unwrap_or(stem.clone());
        let default = Dotnet::default().version;
        let version = xml_value(&text, "TargetFramework")
            .or_else(|| xml_value(&text, "TargetFrameworks"))
            .and_then(framework_version)
            .map(|v| (v, format!("{} TargetFramework", project.value)))
            .or_else(|| {
                let global = files.read("global.json")?;
                let json: serde_json::Value = serde_json::from_str(&global).ok()?;
                let v = json["sdk"]["version"].as_str()?;
                let mut parts = v.split('.');
                Some((
                    format!("{}.{}", parts.next()?, parts.next()?),
                    "global.json sdk.version".to_owned(),
                ))
            });
        let version = match version {
            Some((v, from)) => Detected::found(v, from),
            None => Detected::default(default, "no target framework found"),
        };
        if version
            .value
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|m| m < 8)
        {
            notes.push(format!(
                "the project targets .NET {}: dgen's images need .NET 8 or later (set [dotnet] version after upgrading)",
                version.value
            ));
        }
        let mut restore: Vec<String> = all
            .iter()
            .zip(&texts)
            .filter(|(p, (_, t))| **p == project.value || !is_test(p, t))
            .map(|(p, _)| p.clone())
            .collect();
        for (name, is_dir) in files.top() {
            if !is_dir
                && (name.ends_with(".sln")
                    || [
                        "Directory.Build.props",
                        "Directory.Build.targets",
                        "Directory.Packages.props",
                        "NuGet.config",
                        "NuGet.Config",
                        "nuget.config",
                        "global.json",
                    ]
                    .contains(&name))
            {
                restore.push(name.to_owned());
            }
        }
        restore.retain(|f| *f != project.value);
        restore.sort();
        let (keep, left_out) = sources::top_level(
            files,
            &["bin", "obj", "out", "TestResults"],
            |f| {
                [
                    ".cs", ".fs", ".json", ".csproj", ".fsproj", ".props", ".targets", ".sln",
                ]
                .iter()
                .any(|e| f.ends_with(e))
                    && !f.ends_with("appsettings.Development.json")
            },
            |dir| !["tests", "test", "docs"].contains(&dir),
        );
        let code: Vec<String> = files
            .walk("", ".cs", 6)
            .into_iter()
            .filter(|p| !skipped(p) && !p.to_ascii_lowercase().contains("test"))
            .collect();
        let healthcheck = match health_route(files, &code) {
            Some((route, file)) => Detected::found(Health::Http(route.clone()), file)
                .because(format!("the app has a route {route}")),
            None => Detected::default(Health::Tcp, "no health route found"),
        };
        let mut settings = vec![
            Setting::text(
                "version",
                "The .NET version: built on the SDK image, run on the aspnet image",
                version,
            ),
            Setting::text("project", "The project to publish", project.clone()),
        ];
        if !restore.is_empty() {
            settings.push(Setting::new(
                "restore_files",
                "The files dotnet restore reads, copied before the sources",
                Detected::found(SettingValue::List(restore), "the project's layout"),
            ));
        }
        Detection {
            stack: Detected::found(
                StackName::Dotnet,
                if project.value.is_empty() {
                    "*.sln".to_owned()
                } else {
                    project.value.clone()
                },
            ),
            name: project_name(
                files,
                (!stem.is_empty()).then_some((stem.as_str(), "the project file's name")),
            ),
            command: Detected::found(
                vec!["dotnet".to_owned(), format!("{assembly}.dll")],
                project.value.clone(),
            )
            .because("dotnet publish writes <AssemblyName>.dll to /app"),
            ports: Detected::default(vec![8080], "the .NET images' port"),
            sources: sources::detected(keep, &left_out),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            healthcheck,
            settings,
            suggestions: Vec::new(),
            notes,
            schema_file: schema_file(files),
            runtime: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frameworks() {
        assert_eq!(framework_version("net8.0").as_deref(), Some("8.0"));
        assert_eq!(framework_version("net8.0;net9.0").as_deref(), Some("9.0"));
        assert_eq!(framework_version("net9.0-windows").as_deref(), Some("9.0"));
        assert_eq!(framework_version("netstandard2.0"), None);
        assert_eq!(framework_version("net48"), None);
    }
}
