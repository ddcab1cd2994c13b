//! The Node.js stack's output embodies every practice of the catalogue (PRACTICES.md) that
//! applies; one test per practice, named by its ID, plus the stack's own promises (lock-file
//! installs, production dependencies only, `NODE_ENV=production`, the image's `node` user).
//! P01 (hadolint) is judged on the examples by `tests/judges/run.sh`.

use crate::common;

use common::{
    assert_clean_apt_installs, assert_generated_header, assert_ignores, assert_no_add,
    assert_probe, assert_renders_identically, exposed, final_commands, final_copies, final_stage,
    froms, instructions, outputs, refusals,
};

/// A minimal valid Node.js manifest, with `extra` appended.
fn node(extra: &str) -> String {
    format!(
        "name = \"demo\"\nstack = \"node\"\n\n[app]\ncommand = [\"node\", \"server.js\"]\nports = [3000]\nsources = [\"server.js\", \"lib\"]\n{extra}"
    )
}

/// A Node.js manifest with a build step and `package_manager`.
fn built(manager: &str) -> String {
    node(&format!(
        "\n[node]\npackage_manager = \"{manager}\"\nbuild = [\"{manager}\", \"run\", \"build\"]\noutput = \"dist\"\n"
    ))
}

fn stages(dockerfile: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for i in instructions(dockerfile) {
        if i.starts_with("FROM ") {
            out.push(Vec::new());
        }
        out.last_mut().expect("FROM first").push(i);
    }
    out
}

const MANAGERS: [&str; 3] = ["npm", "yarn", "pnpm"];

#[test]
fn p02_one_app_per_container() {
    let (dockerfile, _, compose) = outputs(&node(""));
    assert_eq!(
        final_commands(&dockerfile),
        ["CMD [\"node\", \"server.js\"]"]
    );
    assert_eq!(compose.matches("build:").count(), 1);
}

#[test]
fn p03_slim_official_base() {
    let (dockerfile, _, _) = outputs(&built("npm"));
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM node:22-slim AS deps",
            "FROM deps AS build",
            "FROM node:22-slim"
        ]
    );
    let (dockerfile, _, _) = outputs(&node("\n[node]\nversion = \"20.18\"\n"));
    assert!(
        dockerfile.contains("FROM node:20.18-slim AS deps"),
        "{dockerfile}"
    );
    assert_eq!(
        refusals(&node("\n[node]\nversion = \"lts\"\n")),
        ["node-version"]
    );
}

#[test]
fn p04_dockerignore_keeps_out_node_modules_caches_and_the_build_output() {
    let (_, ignore, _) = outputs(&built("npm"));
    assert_ignores(
        &ignore,
        &[
            ".git",
            ".env",
            "**/.npmrc",
            "**/node_modules",
            ".npm",
            ".pnpm-store",
            "npm-debug.log*",
            "coverage",
            "Dockerfile",
            "dist",
        ],
    );
    // Without a build, the directory named by `output` is not ignored: it may be a source.
    let (_, ignore, _) = outputs(&node(""));
    assert!(!ignore.lines().any(|l| l == "dist"), "{ignore}");
}

#[test]
fn p05_tagged_never_latest_and_digest_pin_when_asked() {
    assert_eq!(
        refusals(&node("\n[image]\nbase = \"node:latest\"\n")),
        ["image-latest"]
    );
    let digest = "sha256:".to_owned() + &"b".repeat(64);
    let (dockerfile, _, _) = outputs(&node(&format!("\n[image]\ndigest = \"{digest}\"\n")));
    assert!(dockerfile.contains(&format!("FROM node:22-slim@{digest} AS deps")));
    assert!(dockerfile.contains(&format!("FROM node:22-slim@{digest}\n")));
}

#[test]
fn p06_only_the_apps_ports() {
    let (dockerfile, _, compose) = outputs(&node("").replace("[3000]", "[3000, 9229]"));
    assert_eq!(exposed(&dockerfile), ["EXPOSE 3000", "EXPOSE 9229"]);
    assert!(compose.contains("\"127.0.0.1:3000:3000\""), "{compose}");
    assert_eq!(refusals(&node("").replace("[3000]", "[22]")), ["port-ssh"]);
}

#[test]
fn p09_dependencies_installed_before_sources_are_copied() {
    for manager in MANAGERS {
        for text in [
            node(&format!("\n[node]\npackage_manager = \"{manager}\"\n")),
            built(manager),
        ] {
            let (dockerfile, _, _) = outputs(&text);
            let all = instructions(&dockerfile);
            let lock = match manager {
                "npm" => "package-lock.json",
                "yarn" => "yarn.lock",
                _ => "pnpm-lock.yaml",
            };
            let deps_copy = all
                .iter()
                .position(|i| i.starts_with("COPY ") && !i.contains("--from"))
                .unwrap();
            assert_eq!(all[deps_copy], format!("COPY package.json {lock} ./"));
            let install = all
                .iter()
                .position(|i| i.starts_with("RUN ") && i.contains(&format!("{manager} ")))
                .unwrap();
            let first_source = all
                .iter()
                .position(|i| i.starts_with("COPY server.js") || i.starts_with("COPY lib"))
                .unwrap();
            assert!(
                deps_copy < first_source && install < first_source,
                "{manager}"
            );
            // The deps stage never sees the sources, so a source edit cannot invalidate it.
            let deps = &stages(&dockerfile)[0];
            assert!(
                deps.iter()
                    .all(|i| !i.contains("server.js") && !i.contains(" lib")),
                "{manager}: {deps:?}"
            );
        }
    }
}

#[test]
fn p10_package_caches_in_cache_mounts_never_in_the_image() {
    for manager in MANAGERS {
        let (dockerfile, _, _) = outputs(&built(manager));
        let all = instructions(&dockerfile);
        let installs: Vec<_> = all
            .iter()
            .filter(|i| {
                i.starts_with("RUN ")
                    && (i.contains("npm ci")
                        || i.contains("install --global")
                        || i.contains("yarn install")
                        || i.contains("pnpm install"))
            })
            .collect();
        assert_eq!(
            installs.len(),
            if manager == "npm" { 2 } else { 3 },
            "{manager}"
        );
        for run in installs {
            assert!(run.starts_with("RUN --mount=type=cache,target="), "{run}");
        }
        // Nothing is installed in the final stage: it only copies.
        assert!(
            final_stage(&dockerfile)
                .iter()
                .all(|i| !i.starts_with("RUN ")),
            "{dockerfile}"
        );
    }
}

#[test]
fn installs_from_the_lock_file_with_a_pinned_package_manager() {
    let expect = [
        ("npm", "npm ci --omit=dev", None),
        (
            "yarn",
            "yarn install --frozen-lockfile --non-interactive --production",
            Some("npm install --global --force yarn@1.22.22"),
        ),
        (
            "pnpm",
            "pnpm install --frozen-lockfile --prod",
            Some("npm install --global pnpm@10.34.8"),
        ),
    ];
    for (manager, install, tool) in expect {
        let (dockerfile, _, _) = outputs(&node(&format!(
            "\n[node]\npackage_manager = \"{manager}\"\n"
        )));
        assert!(dockerfile.contains(install), "{manager}:\n{dockerfile}");
        if let Some(tool) = tool {
            assert!(dockerfile.contains(tool), "{manager}:\n{dockerfile}");
        }
    }
    let (dockerfile, _, _) = outputs(&node(
        "\n[node]\npackage_manager = \"pnpm\"\npnpm_version = \"9.15.9\"\n",
    ));
    assert!(dockerfile.contains("npm install --global pnpm@9.15.9"));
    assert_eq!(
        refusals(&node(
            "\n[node]\npackage_manager = \"pnpm\"\npnpm_version = \"latest\"\n"
        )),
        ["tool-version"]
    );
    // Yarn 4+ (Berry) runs through corepack, pinned, and installs only production dependencies;
    // Yarn 2 and 3 lack the built-in `workspaces focus`.
    let (dockerfile, _, _) = outputs(&node(
        "\n[node]\npackage_manager = \"yarn\"\nyarn_version = \"4.5.3\"\n",
    ));
    assert!(
        dockerfile.contains("corepack install --global yarn@4.5.3"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("yarn workspaces focus --production"),
        "{dockerfile}"
    );
    assert!(!dockerfile.contains("--frozen-lockfile"), "{dockerfile}");
    assert_eq!(
        refusals(&node(
            "\n[node]\npackage_manager = \"yarn\"\nyarn_version = \"3.8.1\"\n"
        )),
        ["yarn-berry"]
    );
}

#[test]
fn only_production_dependencies_reach_the_final_image() {
    for manager in MANAGERS {
        let (dockerfile, _, _) = outputs(&built(manager));
        let stages = stages(&dockerfile);
        let [deps, build, last] = &stages[..] else {
            panic!("three stages: {dockerfile}")
        };
        let prod = deps
            .iter()
            .find(|i| i.contains("--frozen-lockfile") || i.contains("npm ci"))
            .unwrap()
            .to_owned();
        assert!(
            prod.contains("--omit=dev") || prod.contains("--production") || prod.contains("--prod"),
            "{manager}: {prod}"
        );
        // The build stage adds the dev dependencies, and the final stage takes node_modules
        // from the deps stage, not from the build stage.
        assert!(
            build
                .iter()
                .any(|i| i.starts_with("RUN ") && !i.contains("prod"))
        );
        assert!(
            last.contains(
                &"COPY --from=deps --chown=0:0 /app/node_modules ./node_modules".to_owned()
            )
        );
        assert!(last.contains(&"COPY --from=build /app/dist ./dist".to_owned()));
        assert!(
            last.iter()
                .all(|i| !i.contains("--from=build") || i.contains("/dist")),
            "{last:?}"
        );
        let env = last.iter().find(|i| i.starts_with("ENV ")).unwrap();
        assert!(env.starts_with("ENV NODE_ENV=production"), "{env}");
        // The build stage's ENV is not production (it needs the dev dependencies).
        assert!(build.iter().all(|i| !i.contains("NODE_ENV")));
    }
}

#[test]
fn p11_copy_never_add() {
    let (dockerfile, _, _) = outputs(&built("pnpm"));
    assert_no_add(&dockerfile);
}

#[test]
fn p12_copies_only_listed_paths_or_the_build_output() {
    let (dockerfile, _, _) = outputs(&node(""));
    assert_eq!(
        final_copies(&dockerfile),
        [
            "COPY --from=deps --chown=0:0 /app/node_modules ./node_modules",
            "COPY package.json ./package.json",
            "COPY server.js ./server.js",
            "COPY lib ./lib"
        ]
    );
    // With a build, the sources go to the build stage and only the output to the final one.
    let (dockerfile, _, _) = outputs(&built("npm"));
    assert_eq!(
        final_copies(&dockerfile),
        [
            "COPY --from=deps --chown=0:0 /app/node_modules ./node_modules",
            "COPY package.json ./package.json",
            "COPY --from=build /app/dist ./dist"
        ]
    );
    assert_eq!(
        refusals(&built("npm").replace("[\"server.js\", \"lib\"]", "[\"src\", \"dist\"]")),
        ["build-output"]
    );
    assert_eq!(
        refusals(&built("npm").replace("output = \"dist\"", "output = \"../dist\"")),
        ["build-output"]
    );
}

#[test]
fn p13_grouped_runs_clean_apt_lists_no_recommends() {
    let (dockerfile, _, _) = outputs(&node(
        "system_packages = { libvips42 = \"8.*\" }\nbuild_packages = { \"g++\" = \"4:12.*\", make = \"4.*\" }\n",
    ));
    assert_clean_apt_installs(
        &dockerfile,
        2,
        "one apt RUN in the deps stage, one in the final",
    );
    assert!(
        stages(&dockerfile)[0]
            .iter()
            .any(|i| i.contains("g++=4:12.*"))
    );
    assert!(
        final_stage(&dockerfile)
            .iter()
            .any(|i| i.contains("libvips42=8.*"))
    );
    for text in [node(""), built("pnpm"), built("yarn")] {
        let (dockerfile, _, _) = outputs(&text);
        let all = instructions(&dockerfile);
        // No two RUNs with the same flags in a row (hadolint DL3059).
        assert!(
            all.windows(2).all(|w| !(w[0].starts_with("RUN ")
                && w[1].starts_with("RUN ")
                && w[0].split(' ').nth(1) == w[1].split(' ').nth(1))),
            "{dockerfile}"
        );
    }
}

#[test]
fn p14_no_secrets_in_the_image() {
    assert_eq!(
        refusals(&node("env = { NPM_TOKEN = \"abc\" }\n")),
        ["env-secret"]
    );
    let (_, ignore, compose) = outputs(&node(""));
    assert!(ignore.lines().any(|l| l == "**/.npmrc"));
    assert!(compose.contains("env_file:"), "{compose}");
}

#[test]
fn p15_p16_the_images_own_non_root_user() {
    let (dockerfile, _, _) = outputs(&node(""));
    let stage = final_stage(&dockerfile);
    assert_eq!(
        stage.iter().rfind(|i| i.starts_with("USER ")).unwrap(),
        "USER 1000"
    );
    assert!(
        dockerfile.contains("# The official image's own non-root user `node`"),
        "{dockerfile}"
    );
    assert!(stage.iter().all(|i| !i.contains("useradd")));
    // Another user when the manifest names one: created without a fixed UID, unless asked.
    let (dockerfile, _, _) = outputs(&node("\n[user]\nname = \"web\"\n"));
    let stage = final_stage(&dockerfile);
    assert!(stage.contains(&"ARG APP_USER=web".to_owned()), "{stage:?}");
    assert!(
        stage
            .iter()
            .any(|i| i.contains("useradd --system") && !i.contains("--uid"))
    );
    assert_eq!(
        stage.iter().rfind(|i| i.starts_with("USER ")).unwrap(),
        "USER ${APP_USER}"
    );
    let (dockerfile, _, _) = outputs(&node("\n[user]\nname = \"web\"\nuid = 10001\n"));
    assert!(final_stage(&dockerfile).contains(&"USER 10001".to_owned()));
    assert_eq!(
        refusals(&node("\n[user]\nname = \"node\"\nuid = 1001\n")),
        ["node-user"]
    );
    assert_eq!(
        refusals(&node("\n[user]\nname = \"root\"\n")),
        ["user-root"]
    );
}

#[test]
fn p17_app_files_owned_by_root() {
    for text in [node(""), built("pnpm")] {
        let (dockerfile, _, _) = outputs(&text);
        // The only ownership change makes node_modules root's (npm keeps the tarballs' owners).
        let chowns: Vec<_> = instructions(&dockerfile)
            .into_iter()
            .filter(|i| i.contains("chown"))
            .collect();
        assert_eq!(
            chowns,
            ["COPY --from=deps --chown=0:0 /app/node_modules ./node_modules"]
        );
        assert!(!dockerfile.contains("--chmod"), "{dockerfile}");
        let stage = final_stage(&dockerfile);
        let user = stage.iter().position(|i| i.starts_with("USER ")).unwrap();
        assert!(stage[user..].iter().all(|i| !i.starts_with("COPY ")));
    }
}

#[test]
fn p18_healthcheck_with_node_itself() {
    let (dockerfile, _, compose) = outputs(&node("\n[healthcheck]\npath = \"/healthz\"\n"));
    let probe = "[\"node\", \"-e\", \"require('http').get('http://127.0.0.1:3000/healthz', { timeout: 5000 }";
    assert_probe(&dockerfile, &compose, probe);
    // A TCP connect by default; no curl or wget (the slim image has neither).
    let (dockerfile, _, _) = outputs(&node(""));
    assert!(dockerfile.contains("require('net').connect(3000, '127.0.0.1')"));
    assert!(!dockerfile.contains("curl") && !dockerfile.contains("wget"));
}

#[test]
fn exec_form_absolute_workdir_and_header() {
    let (dockerfile, ignore, compose) = outputs(&built("yarn"));
    assert_generated_header(&[&dockerfile, &ignore, &compose]);
    let all = instructions(&dockerfile);
    assert!(all.contains(&"RUN [\"yarn\", \"run\", \"build\"]".to_owned()));
    assert!(final_stage(&dockerfile).contains(&"WORKDIR /app".to_owned()));
    assert!(
        final_stage(&dockerfile)
            .last()
            .unwrap()
            .starts_with("CMD [\"")
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let text = built("pnpm") + "\n[image]\nlabels = { z = \"1\", a = \"2\" }\n";
    assert_renders_identically(&text, 20);
}
