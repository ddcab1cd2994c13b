//! The Ruby stack's output embodies the practices of the catalogue (PRACTICES.md), plus what
//! Rails' own generated Dockerfile does (deployment mode without development and test, bootsnap
//! precompile, assets:precompile with a build-only dummy secret, jemalloc, non-root), and
//! refusals for every value that reaches a shell line.
//! P01 (hadolint) is judged on examples/ruby-rack by `tests/judges/run.sh`.

use crate::common;

use common::{
    assert_ignores, assert_no_add, assert_no_consecutive_runs, assert_renders_identically,
    build_stage, exposed, final_commands, final_copies, final_runs, final_stage, froms, outputs,
    refusals, starting_with,
};

fn ruby(extra: &str, ruby: &str) -> String {
    format!(
        "name = \"shop\"\nstack = \"ruby\"\n\n[app]\ncommand = [\"bundle\", \"exec\", \"puma\", \"-C\", \"config/puma.rb\"]\nports = [3000]\nsources = [\"Rakefile\", \"app\", \"bin\", \"config\", \"config.ru\", \"lib\"]\n{extra}\n[ruby]\nversion = \"3.3\"\n{ruby}"
    )
}

fn rails() -> String {
    ruby(
        "writable = [{ path = \"tmp\", persist = false }, \"storage\"]\n",
        "rails = true\nassets_precompile = true\nbootsnap = true\n",
    ) + "\n[healthcheck]\npath = \"/up\"\n"
}

#[test]
fn p02_p03_gems_built_on_the_full_image_run_on_slim() {
    let (dockerfile, _, compose) = outputs(&rails());
    assert_eq!(
        froms(&dockerfile),
        ["FROM ruby:3.3 AS build", "FROM ruby:3.3-slim"]
    );
    assert_eq!(
        final_commands(&dockerfile),
        ["CMD [\"bundle\", \"exec\", \"puma\", \"-C\", \"config/puma.rb\"]"]
    );
    assert_eq!(compose.matches("build:").count(), 1);
    // The final stage holds the gems and the built app, copied from the build stage.
    assert_eq!(
        final_copies(&dockerfile),
        [
            "COPY --from=build /usr/local/bundle /usr/local/bundle",
            "COPY --from=build /app ./"
        ]
    );
}

#[test]
fn p04_dockerignore_keeps_out_gems_logs_and_keys() {
    let (_, ignore, _) = outputs(&rails());
    assert_ignores(
        &ignore,
        &[
            "vendor/bundle",
            ".bundle",
            "log/*",
            "tmp/*",
            "config/master.key",
            ".env",
            ".git",
            // A checkout's Python tooling (a virtualenv for scripts, bytecode), as every
            // non-Python stack leaves out: the engine suite plants them.
            ".venv",
            "**/.venv",
            "**/__pycache__",
        ],
    );
    let lines: Vec<&str> = ignore.lines().collect();
    for kept in ["Gemfile", "Gemfile.lock", "app", "config", "bin"] {
        assert!(
            !lines.contains(&kept),
            "{kept} must reach the build context"
        );
    }
}

#[test]
fn p05_versions_refused() {
    assert_eq!(
        refusals(&ruby("", "").replace("\"3.3\"", "\"latest\"")),
        ["ruby-version"]
    );
    assert_eq!(
        refusals(&ruby("", "").replace("\"3.3\"", "\"2.7\"")),
        ["ruby-version"]
    );
    assert_eq!(
        refusals(&ruby("", "jemalloc_version = \"5.3; rm -rf /\"\n")),
        ["ruby-jemalloc-version"]
    );
}

#[test]
fn p06_only_the_apps_port() {
    let (dockerfile, _, _) = outputs(&rails());
    assert_eq!(exposed(&dockerfile), ["EXPOSE 3000"]);
}

#[test]
fn p09_locked_gems_installed_before_the_sources() {
    let (dockerfile, _, _) = outputs(&rails());
    let build = build_stage(&dockerfile);
    let lock = build
        .iter()
        .position(|i| i == "COPY Gemfile Gemfile.lock .ruby-versio[n] ./")
        .expect("Gemfile copied");
    let install = build
        .iter()
        .position(|i| i.starts_with("RUN bundle install"))
        .unwrap();
    let first_source = build
        .iter()
        .position(|i| i == "COPY Rakefile ./Rakefile")
        .unwrap();
    let assets = build
        .iter()
        .position(|i| i.contains("./bin/rails assets:precompile"))
        .unwrap();
    assert!(lock < install && install < first_source && first_source < assets);
    assert!(build.contains(&"ENV BUNDLE_DEPLOYMENT=\"1\" BUNDLE_PATH=\"/usr/local/bundle\" BUNDLE_WITHOUT=\"development:test\" BOOTSNAP_CACHE_DIR=\"/app/.bootsnap\"".to_owned()), "{dockerfile}");
    let (dockerfile, _, _) = outputs(&ruby("", "without = [\"development\", \"test\", \"ci\"]\n"));
    assert!(dockerfile.contains("BUNDLE_WITHOUT=\"development:test:ci\""));
}

#[test]
fn p10_bundler_caches_removed_in_the_install_layer() {
    let (dockerfile, _, _) = outputs(&rails());
    let install = build_stage(&dockerfile)
        .into_iter()
        .find(|i| i.starts_with("RUN bundle install"))
        .unwrap();
    assert!(install.contains("rm -rf ~/.bundle \"${BUNDLE_PATH}\"/ruby/*/cache \"${BUNDLE_PATH}\"/ruby/*/bundler/gems/*/.git"));
    assert!(install.ends_with("&& bundle exec bootsnap precompile --gemfile"));
}

#[test]
fn p11_copy_never_add_no_consecutive_runs() {
    for text in [
        rails(),
        ruby("", "jemalloc = false\n"),
        ruby("system_packages = { libpq5 = \"15.*\" }\n", ""),
    ] {
        let (dockerfile, _, _) = outputs(&text);
        assert_no_add(&dockerfile);
        assert_no_consecutive_runs(&dockerfile);
    }
}

#[test]
fn p13_p15_jemalloc_pinned_and_a_system_user() {
    let (dockerfile, _, _) = outputs(&rails());
    let runs = final_runs(&dockerfile);
    assert!(runs[0].contains("libjemalloc2=5.3.*"), "{dockerfile}");
    assert!(runs[0].contains("rm -rf /var/lib/apt/lists/*"));
    assert!(runs[0].contains("useradd --system"));
    assert!(
        final_stage(&dockerfile)
            .contains(&"ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2".to_owned())
    );
    assert!(final_stage(&dockerfile).contains(&"USER ${APP_USER}".to_owned()));
    let (dockerfile, _, _) = outputs(&ruby("", "jemalloc = false\n"));
    assert!(!dockerfile.contains("jemalloc"));
    assert!(!dockerfile.contains("apt-get"));
}

#[test]
fn p14_the_dummy_secret_is_build_only() {
    let (dockerfile, _, _) = outputs(&rails());
    let build = build_stage(&dockerfile);
    assert!(build.iter().any(|i| {
        i.contains("SECRET_KEY_BASE_DUMMY=1 RAILS_ENV=production ./bin/rails assets:precompile")
    }));
    assert!(
        !final_stage(&dockerfile)
            .iter()
            .any(|i| i.contains("SECRET_KEY_BASE"))
    );
    assert!(
        !build
            .iter()
            .any(|i| i.starts_with("ENV") && i.contains("SECRET"))
    );
}

#[test]
fn p17_code_root_owned_rails_paths_writable() {
    let (dockerfile, _, compose) = outputs(&rails());
    let runs = final_runs(&dockerfile);
    let writable = runs.last().unwrap();
    assert!(
        writable.contains("mkdir -p /app/tmp /app/storage"),
        "{writable}"
    );
    assert!(writable.contains("chown \"${APP_USER}:${APP_USER}\" /app/tmp /app/storage"));
    // bootsnap's cache is outside tmp/, which is a tmpfs at run time, and read-only there.
    assert!(compose.contains("/app/tmp"), "{compose}");
    assert!(
        starting_with(final_stage(&dockerfile), &["ENV "])
            .iter()
            .any(|e| e.contains("BOOTSNAP_READONLY=\"1\"")
                && e.contains("BOOTSNAP_CACHE_DIR=\"/app/.bootsnap\""))
    );
}

#[test]
fn p18_health_check_with_ruby_not_curl() {
    let (dockerfile, _, _) = outputs(&rails());
    let check = dockerfile
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("CMD [\"ruby\", \"-rnet/http\", \"-e\"")
        })
        .expect("ruby probe");
    assert!(check.ends_with(", \"3000\", \"/up\", \"5\"]"), "{check}");
    assert!(!dockerfile.contains("curl"));
    let (dockerfile, _, _) = outputs(&ruby("", ""));
    let check = dockerfile
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("CMD [\"ruby\", \"-rsocket\", \"-e\"")
        })
        .expect("tcp probe");
    assert!(check.ends_with(", \"3000\", \"5\"]"), "{check}");
}

#[test]
fn rack_apps_get_rack_env_and_no_rails_steps() {
    let (dockerfile, _, _) = outputs(&ruby("", ""));
    assert!(dockerfile.contains("RACK_ENV=\"production\""));
    assert!(!dockerfile.contains("RAILS_ENV"));
    assert!(!dockerfile.contains("bootsnap"));
    assert!(!dockerfile.contains("assets:precompile"));
    assert_eq!(starting_with(build_stage(&dockerfile), &["RUN "]).len(), 1);
}

#[test]
fn rails_steps_need_rails_and_bin() {
    assert_eq!(
        refusals(&ruby("", "assets_precompile = true\n")),
        ["ruby-assets"]
    );
    assert_eq!(
        refusals(&ruby("", "rails = true\nassets_precompile = true\n").replace("\"bin\", ", "")),
        ["ruby-assets"]
    );
    for group in ["dev test", "$(id)", "", "a;b"] {
        assert_eq!(
            refusals(&ruby("", &format!("without = [\"{group}\"]\n"))),
            ["ruby-group"],
            "{group}"
        );
    }
}

#[test]
fn renders_identically() {
    assert_renders_identically(&rails(), 3);
}
