//! The static-site stack's output embodies every practice of the catalogue (PRACTICES.md) that
//! applies; one test per practice, named by its ID, plus the stack's own promises (unprivileged
//! nginx on a non-privileged port, a server configuration in the image, an optional Node.js
//! build that never reaches the final image). P01 (hadolint) is judged on the examples by
//! `tests/judges/run.sh`.

use crate::common;

use common::{
    assert_generated_header, assert_ignores, assert_no_add, assert_probe,
    assert_renders_identically, final_commands, final_copies, final_runs, final_stage, froms,
    instructions, outputs, refusals,
};

/// A minimal valid static-site manifest, with `extra` appended.
fn site(extra: &str) -> String {
    format!(
        "name = \"site\"\nstack = \"static\"\n\n[app]\nports = [8080]\nsources = [\"index.html\", \"css\"]\n{extra}"
    )
}

/// A static site built by `manager`.
fn built(manager: &str) -> String {
    site(&format!(
        "\n[static]\nbuild = [\"{manager}\", \"run\", \"build\"]\noutput = \"dist\"\npackage_manager = \"{manager}\"\n"
    ))
}

#[test]
fn p02_one_app_per_container_nginx_in_the_foreground() {
    let (dockerfile, _, compose) = outputs(&site(""));
    assert_eq!(
        final_commands(&dockerfile),
        ["CMD [\"nginx\", \"-g\", \"daemon off;\"]"]
    );
    assert_eq!(compose.matches("build:").count(), 1);
}

#[test]
fn p03_unprivileged_official_nginx_and_slim_node_for_the_build() {
    let (dockerfile, _, _) = outputs(&site(""));
    assert_eq!(froms(&dockerfile).len(), 1, "no build, no build stage");
    assert!(dockerfile.contains("FROM nginxinc/nginx-unprivileged:1.28-alpine\n"));
    let (dockerfile, _, _) = outputs(&built("npm"));
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM node:22-slim AS build",
            "FROM nginxinc/nginx-unprivileged:1.28-alpine"
        ]
    );
    assert_eq!(
        refusals(&site("\n[static]\nnginx_version = \"latest\"\n")),
        ["nginx-version"]
    );
}

#[test]
fn p04_dockerignore() {
    let (_, ignore, _) = outputs(&built("npm"));
    assert_ignores(
        &ignore,
        &[
            ".git",
            ".env",
            "**/node_modules",
            "**/__pycache__",
            "Dockerfile",
            "dist",
        ],
    );
}

#[test]
fn p05_tagged_never_latest() {
    assert_eq!(
        refusals(&site("\n[image]\nbase = \"nginxinc/nginx-unprivileged\"\n")),
        ["image-latest"]
    );
    let (dockerfile, _, _) = outputs(&site(
        "\n[image]\nbase = \"nginxinc/nginx-unprivileged:1.28.0-alpine-slim\"\n",
    ));
    assert!(dockerfile.contains("FROM nginxinc/nginx-unprivileged:1.28.0-alpine-slim\n"));
}

#[test]
fn p06_one_non_privileged_port() {
    let (dockerfile, _, compose) = outputs(&site("").replace("[8080]", "[8081]"));
    assert!(instructions(&dockerfile).contains(&"EXPOSE 8081".to_owned()));
    assert!(dockerfile.contains("'    listen 8081;'"), "{dockerfile}");
    assert!(compose.contains("\"127.0.0.1:8081:8081\""), "{compose}");
    assert_eq!(
        refusals(&site("").replace("[8080]", "[80]")),
        ["static-port"]
    );
    assert_eq!(
        refusals(&site("").replace("[8080]", "[8080, 8443]")),
        ["static-port"]
    );
}

#[test]
fn p09_build_dependencies_installed_before_sources_are_copied() {
    for manager in ["npm", "yarn", "pnpm"] {
        let (dockerfile, _, _) = outputs(&built(manager));
        let all = instructions(&dockerfile);
        let install = all
            .iter()
            .position(|i| {
                i.starts_with("RUN --mount") && i.contains("--frozen-lockfile")
                    || i.contains("npm ci")
            })
            .unwrap_or_else(|| panic!("{manager}: no install"));
        let deps_copy = all
            .iter()
            .position(|i| i.starts_with("COPY package.json"))
            .unwrap();
        let source_copy = all
            .iter()
            .position(|i| i.starts_with("COPY index.html"))
            .unwrap();
        let build = all
            .iter()
            .position(|i| *i == format!("RUN [\"{manager}\", \"run\", \"build\"]"))
            .unwrap();
        assert!(
            deps_copy < install && install < source_copy && source_copy < build,
            "{manager}"
        );
    }
}

#[test]
fn p10_caches_in_mounts_and_no_node_in_the_final_image() {
    for manager in ["npm", "yarn", "pnpm"] {
        let (dockerfile, _, _) = outputs(&built(manager));
        for run in instructions(&dockerfile)
            .iter()
            .filter(|i| i.contains("install") || i.contains("npm ci"))
        {
            assert!(run.starts_with("RUN --mount=type=cache,target="), "{run}");
        }
        let last = final_stage(&dockerfile).join("\n");
        for word in ["npm", "yarn", "pnpm", "node_modules"] {
            assert!(!last.contains(word), "{word} in the final stage:\n{last}");
        }
    }
}

#[test]
fn p11_copy_never_add() {
    let (dockerfile, _, _) = outputs(&built("npm"));
    assert_no_add(&dockerfile);
}

#[test]
fn p12_serves_only_the_listed_files_or_the_build_output() {
    let (dockerfile, _, _) = outputs(&site(""));
    assert_eq!(
        final_copies(&dockerfile),
        ["COPY index.html ./index.html", "COPY css ./css"]
    );
    let (dockerfile, _, _) = outputs(&built("npm"));
    assert_eq!(
        final_copies(&dockerfile),
        ["COPY --from=build /build/dist/ ./"]
    );
    // The nginx configuration's root is the workdir, not the image's default html directory.
    assert!(dockerfile.contains("'    root /app;'"), "{dockerfile}");
    assert!(final_stage(&dockerfile).contains(&"WORKDIR /app".to_owned()));
    assert_eq!(
        refusals(&site("").replace("[\"index.html\", \"css\"]", "[\".\"]")),
        ["source-everything"]
    );
}

#[test]
fn p13_few_runs_no_packages_in_the_nginx_image() {
    let (dockerfile, _, _) = outputs(&site(""));
    assert_eq!(
        final_runs(&dockerfile).len(),
        1,
        "only the configuration is written"
    );
    assert_eq!(
        refusals(&site("system_packages = { curl = \"8.*\" }\n")),
        ["static-packages"]
    );
    assert_eq!(
        refusals(&site("build_packages = { python3 = \"3.11.*\" }\n")),
        ["static-packages"]
    );
    let (dockerfile, _, _) = outputs(&built("npm").replace(
        "[static]",
        "build_packages = { python3 = \"3.11.*\" }\n\n[static]",
    ));
    let first_stage: Vec<_> = instructions(&dockerfile)
        .into_iter()
        .take_while(|i| !i.starts_with("FROM nginx"))
        .collect();
    assert!(
        first_stage
            .iter()
            .any(|i| i.contains("apt-get install -y --no-install-recommends python3=3.11.*"))
    );
}

#[test]
fn p15_p16_the_images_own_unprivileged_user() {
    let (dockerfile, _, _) = outputs(&site(""));
    let stage = final_stage(&dockerfile);
    let users: Vec<_> = stage.iter().filter(|i| i.starts_with("USER ")).collect();
    assert_eq!(
        users,
        ["USER 0", "USER 101"],
        "root only to write the configuration"
    );
    assert!(dockerfile.contains("# The image's own unprivileged user `nginx`"));
    assert_eq!(
        refusals(&site("\n[user]\nname = \"web\"\n")),
        ["static-user"]
    );
}

#[test]
fn p17_files_owned_by_root() {
    for text in [site(""), built("pnpm")] {
        let (dockerfile, _, _) = outputs(&text);
        assert!(!dockerfile.contains("chown") && !dockerfile.contains("--chmod"));
        let stage = final_stage(&dockerfile);
        let last_user = stage.iter().rposition(|i| i.starts_with("USER ")).unwrap();
        let first_user = stage.iter().position(|i| i.starts_with("USER ")).unwrap();
        assert_eq!(stage[first_user], "USER 0");
        // Everything is written before the switch to the nginx user.
        assert!(
            stage[last_user..]
                .iter()
                .all(|i| !i.starts_with("COPY ") && !i.starts_with("RUN "))
        );
    }
}

#[test]
fn p18_healthcheck_with_the_images_curl() {
    let (dockerfile, _, compose) = outputs(&site("\n[healthcheck]\npath = \"/index.html\"\n"));
    let probe = "[\"curl\", \"-fsS\", \"-o\", \"/dev/null\", \"--max-time\", \"5\", \"http://127.0.0.1:8080/index.html\"]";
    assert_probe(&dockerfile, &compose, probe);
    // Without a path: any HTTP answer on the port (no --fail).
    let (dockerfile, _, _) = outputs(&site(""));
    assert!(dockerfile.contains("CMD [\"curl\", \"-sS\", \"-o\", \"/dev/null\", \"--max-time\", \"5\", \"http://127.0.0.1:8080/\"]"));
}

#[test]
fn nginx_configuration_is_written_without_heredocs() {
    let (dockerfile, _, _) = outputs(&site(""));
    assert!(!dockerfile.contains("<<"), "{dockerfile}");
    let run = final_stage(&dockerfile)
        .into_iter()
        .find(|i| i.starts_with("RUN "))
        .unwrap();
    assert!(run.starts_with("RUN printf '%s\\n' 'server {'"), "{run}");
    assert!(run.ends_with("> /etc/nginx/conf.d/default.conf"), "{run}");
    for line in [
        "'    server_tokens off;'",
        "'    absolute_redirect off;'",
        "\"        try_files \\$uri \\$uri/ =404;\"",
        "'    location ~ /\\.(?!well-known/) {'",
    ] {
        assert!(run.contains(line), "{line} missing: {run}");
    }
    let (dockerfile, _, _) = outputs(&site("\n[static]\nspa = true\n"));
    assert!(dockerfile.contains("try_files \\$uri \\$uri/ /index.html;"));
    assert_eq!(
        refusals(&site("workdir = \"/srv/my;site\"\n")),
        ["workdir-invalid"]
    );
}

#[test]
fn exec_form_absolute_workdir_and_header() {
    let (dockerfile, ignore, compose) = outputs(&built("yarn"));
    assert_generated_header(&[&dockerfile, &ignore, &compose]);
    assert!(
        final_stage(&dockerfile)
            .last()
            .unwrap()
            .starts_with("CMD [\"")
    );
    // A command of the manifest's own replaces nginx's.
    let (dockerfile, _, _) = outputs(&site(
        "command = [\"nginx\", \"-g\", \"daemon off; worker_processes 2;\"]\n",
    ));
    assert!(dockerfile.ends_with("CMD [\"nginx\", \"-g\", \"daemon off; worker_processes 2;\"]\n"));
}

#[test]
fn output_is_byte_identical_across_runs() {
    let text = built("pnpm");
    assert_renders_identically(&text, 20);
}
