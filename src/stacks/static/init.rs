//! Static-site detection: plain HTML at the top of the project, or a `package.json` whose build
//! makes a site (a static-site framework, or a build script and no server to start).
//!
//! | looked at | gives |
//! | --- | --- |
//! | `index.html` and no `package.json` | the sources as they are, served by nginx |
//! | `package.json` with vite, astro, gatsby, eleventy, … (or `build` and no `start`), and no server framework | `build`, `output`, `node_version`, `package_manager` |
//! | the framework, `--outDir` in the build script, the build script's file | `output` |
//! | a client-side router among the dependencies | `spa` |

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::init::sources::{self, extension};
use crate::init::{
    Detected, Detection, Detector, Health, ProjectFiles, Setting, SettingValue, project_name,
    routes::literals, schema_file,
};
use crate::manifest::StackName;
use crate::stacks::node::init::{self as node, dependencies, package_json, script};
use crate::stacks::static_site::StaticSettings;

/// The static-site detector.
pub struct StaticSite;

const LOOKS_FOR: &[&str] = &["index.html", "package.json (a static-site build)"];

/// Static-site generators and bundlers, with where they write the site.
const GENERATORS: [(&str, &str); 10] = [
    ("astro", "dist"),
    ("gatsby", "public"),
    ("@11ty/eleventy", "_site"),
    ("vitepress", ".vitepress/dist"),
    ("@docusaurus/core", "build"),
    ("react-scripts", "build"),
    ("@vue/cli-service", "dist"),
    ("parcel", "dist"),
    ("vite", "dist"),
    ("hexo", "public"),
];

/// Dependencies that mean a server runs: then it is a Node.js app, not a static site.
const SERVERS: [&str; 14] = [
    "express",
    "fastify",
    "koa",
    "@nestjs/core",
    "next",
    "nuxt",
    "@hapi/hapi",
    "hono",
    "@remix-run/node",
    "@sveltejs/adapter-node",
    "socket.io",
    "@adonisjs/core",
    "restify",
    "polka",
];

/// Client-side routers: the site is a single-page app.
const ROUTERS: [&str; 5] = [
    "react-router",
    "react-router-dom",
    "vue-router",
    "@tanstack/react-router",
    "svelte-routing",
];

/// Files served as they are, by extension.
const SITE_FILES: [&str; 22] = [
    "html",
    "htm",
    "css",
    "js",
    "mjs",
    "ico",
    "svg",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
    "avif",
    "txt",
    "xml",
    "json",
    "webmanifest",
    "woff",
    "woff2",
    "ttf",
    "map",
    "pdf",
];

/// Why `package.json` makes a static site, if it does.
fn static_build(package: &Json) -> Option<String> {
    let deps = dependencies(package, true);
    if deps.iter().any(|d| SERVERS.contains(&d.as_str())) {
        return None;
    }
    if let Some((generator, _)) = GENERATORS.iter().find(|(g, _)| deps.iter().any(|d| d == g)) {
        return Some(format!("{generator} builds the site"));
    }
    let start = script(package, "start");
    (script(package, "build").is_some() && start.is_none() && package.get("main").is_none())
        .then(|| "a build script and nothing to start".to_owned())
}

/// Where the build writes the site.
fn output(files: &ProjectFiles, package: &Json) -> Detected<String> {
    let build = script(package, "build").unwrap_or_default();
    let words: Vec<&str> = build.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        for flag in ["--outDir", "--out-dir", "--dist-dir", "--output", "-o"] {
            let value = if *word == flag {
                words.get(i + 1).copied()
            } else {
                word.strip_prefix(&format!("{flag}="))
            };
            if let Some(value) = value {
                return Detected::found(
                    value
                        .trim_start_matches("./")
                        .trim_end_matches('/')
                        .to_owned(),
                    format!("package.json scripts.build ({flag})"),
                );
            }
        }
    }
    let deps = dependencies(package, true);
    if let Some((generator, out)) = GENERATORS.iter().find(|(g, _)| deps.iter().any(|d| d == g)) {
        return Detected::found((*out).to_owned(), format!("{generator}'s output directory"));
    }
    // `node build.mjs`: the first usual output directory the script names.
    if let Some(file) = words
        .iter()
        .skip_while(|w| **w != "node")
        .nth(1)
        .filter(|f| files.is_file(f))
        && let Some(text) = files.read(file)
    {
        for line in text.lines() {
            for literal in literals(line) {
                let dir = literal.trim_start_matches("./").trim_end_matches('/');
                if ["dist", "build", "public", "_site", "out", "site"].contains(&dir) {
                    return Detected::found(dir.to_owned(), (*file).to_owned());
                }
            }
        }
    }
    Detected::default(
        StaticSettings::default().output,
        "no output directory found",
    )
}

impl Detector for StaticSite {
    fn stack(&self) -> StackName {
        StackName::Static
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        match package_json(files) {
            Some(package) if static_build(&package).is_some() => 3,
            Some(_) => 0,
            None if files.is_file("index.html") => 1,
            None => 0,
        }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let package = package_json(files);
        let defaults = StaticSettings::default();
        let mut settings = vec![Setting::text(
            "nginx_version",
            "The nginx version: selects the unprivileged nginx image that serves the site",
            Detected::default(
                defaults.nginx_version.clone(),
                "the version dgen is tested with",
            ),
        )];
        let why_static = package.as_ref().and_then(static_build);
        let (stack_from, keep, left_out) = match (&package, &why_static) {
            (Some(package), Some(why)) => {
                let (manager, pins) = node::package_manager(files, package, &mut notes);
                let output = output(files, package);
                let deps = dependencies(package, true);
                if let Some(router) = ROUTERS.iter().find(|r| deps.iter().any(|d| d == *r)) {
                    settings.push(Setting::new(
                        "spa",
                        "A single-page app: paths that match no file get /index.html",
                        Detected::found(SettingValue::Bool(true), "package.json")
                            .because(format!("{router} routes on the client")),
                    ));
                }
                settings.push(node::build_setting(
                    "The build command, run in a Node.js build stage",
                    &manager.value,
                ));
                let never = [output.value.as_str(), "node_modules"];
                settings.push(Setting::text(
                    "output",
                    "The directory the build writes the site to: its contents are served",
                    output.clone(),
                ));
                settings.push(Setting::text(
                    "node_version",
                    "The Node.js version of the build stage",
                    node::version(files, package),
                ));
                settings.push(
                    Setting::text(
                        "package_manager",
                        "How the build stage installs the dependencies (from the lock file)",
                        manager,
                    )
                    .choices(node::PACKAGE_MANAGERS),
                );
                settings.extend(pins);
                let (keep, left_out) = sources::top_level(
                    files,
                    &never,
                    |name| {
                        !matches!(name, "package.json" | "package-lock.json")
                            && !name.ends_with(".md")
                    },
                    |_| true,
                );
                (format!("package.json: {why}"), keep, left_out)
            }
            _ => {
                let (keep, left_out) = sources::top_level(
                    files,
                    &node::NEVER,
                    |name| SITE_FILES.contains(&extension(name)),
                    |_| true,
                );
                ("index.html".to_owned(), keep, left_out)
            }
        };
        let name = project_name(files, package.as_ref().and_then(node::package_name));
        let port = 8080;
        Detection {
            stack: Detected::found(StackName::Static, stack_from),
            name,
            command: Detected::default(Vec::new(), "the nginx image runs nginx"),
            ports: Detected::default(vec![port], "the unprivileged nginx image's port"),
            sources: sources::detected(keep, &left_out),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            healthcheck: Detected::default(
                Health::Http("/".to_owned()),
                "nginx serves the site's index",
            ),
            settings,
            suggestions: Vec::new(),
            notes,
            schema_file: schema_file(files),
            runtime: Default::default(),
        }
    }
}
