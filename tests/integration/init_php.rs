//! `dgen init` on PHP, Ruby and .NET projects (`tests/fixtures/init/php-*`, `ruby-*`, `dotnet-*`): the real binary in a copy of the
//! fixture, then the manifest it wrote parsed with the project's files checked, and rendered.

use crate::common;

use common::copy_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dgen");

/// Runs `dgen init --yes` in a copy of the fixture; returns the directory (kept alive by the
/// temporary directory), the manifest and what init printed.
fn init(fixture: &str) -> (tempfile::TempDir, PathBuf, dgen::manifest::Manifest, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(fixture);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/init")
            .join(fixture),
        &dir,
    );
    let out = Command::new(BIN)
        .args(["init", "--yes"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(dir.join("dgen.toml")).unwrap();
    let manifest = dgen::manifest::parse(&text, Some(&dir))
        .unwrap_or_else(|d| {
            panic!(
                "{}",
                dgen::diagnostic::render("dgen.toml", &text, &d, false)
            )
        })
        .manifest;
    let render = Command::new(BIN)
        .args(["render"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    (tmp, dir, manifest, stderr)
}

#[test]
fn slim_app_in_public_with_a_pinned_php_and_extensions() {
    let (_tmp, dir, m, stderr) = init("php-slim");
    assert_eq!(m.stack.as_str(), "php");
    assert_eq!(m.name, "orders-api", "from composer.json's name");
    let php = m.php.clone().expect("[php] written");
    assert_eq!(php.version, "8.3", "~8.3.0 pins 8.3");
    assert_eq!(php.document_root, "public");
    // intl needs libicu: a note, not a setting that breaks the build.
    assert_eq!(php.extensions, ["pdo_mysql"]);
    assert!(
        stderr.contains("ext-intl") && stderr.contains("libicu-dev"),
        "{stderr}"
    );
    assert_eq!(m.app.sources, ["public", "src"], "tests and var left out");
    assert!(m.app.command.is_empty(), "the image's apache2-foreground");
    assert_eq!(m.app.ports, [8080]);
    assert_eq!(m.healthcheck.path.as_deref(), Some("/healthz"));
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("FROM php:8.3-apache\n"));
    assert!(dockerfile.contains("docker-php-ext-install -j\"$(nproc)\" pdo_mysql"));
}

#[test]
fn plain_project_served_from_its_root_without_a_lock() {
    let (_tmp, dir, m, stderr) = init("php-plain");
    let php = m.php.clone().expect("[php] written");
    assert_eq!(php.version, "8.4", "^8.1 is served by the default");
    assert_eq!(php.document_root, "", "index.php at the top");
    assert_eq!(m.app.sources, ["index.php", "lib"]);
    assert!(stderr.contains("no composer.lock"), "{stderr}");
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    // The project is the document root: vendor/ and the Composer files are refused to clients.
    assert!(dockerfile.contains("RedirectMatch 404"), "{dockerfile}");
}

#[test]
fn a_newer_php_than_the_default_is_noted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("future");
    std::fs::create_dir_all(dir.join("public")).unwrap();
    std::fs::write(dir.join("public/index.php"), "<?php echo 1;\n").unwrap();
    std::fs::write(
        dir.join("composer.json"),
        r#"{"name": "a/b", "require": {"php": ">=8.9", "ext-gd": "*", "ext-bcmath": "*", "ext-mbstring": "*"}, "config": {}}"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["init", "--yes"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("newer than the default"), "{stderr}");
    assert!(stderr.contains("ext-gd"), "{stderr}");
    let text = std::fs::read_to_string(dir.join("dgen.toml")).unwrap();
    assert!(text.contains("extensions = [\"bcmath\"]"), "{text}");
    // config.platform.php wins over require.php.
    std::fs::write(
        dir.join("composer.json"),
        r#"{"require": {"php": "^8.1"}, "config": {"platform": {"php": "8.2.20"}}}"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["init", "--yes", "--force"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(dir.join("dgen.toml")).unwrap();
    assert!(text.contains("version = \"8.2\""), "{text}");
}

#[test]
fn rails_app_with_bootsnap_assets_puma_and_its_writable_paths() {
    let (_tmp, dir, m, _stderr) = init("ruby-rails");
    assert_eq!(m.stack.as_str(), "ruby");
    let ruby = m.ruby.clone().expect("[ruby] written");
    // The Gemfile's `ruby file: ".ruby-version"` makes Bundler refuse any other Ruby than
    // 3.3.6: the exact tag, as Rails' own Dockerfile pins it.
    assert_eq!(
        ruby.version, "3.3.6",
        "from .ruby-version, enforced by the Gemfile"
    );
    assert!(ruby.rails && ruby.assets_precompile && ruby.bootsnap);
    assert_eq!(
        m.app.command,
        ["bundle", "exec", "puma", "-C", "config/puma.rb"]
    );
    assert_eq!(m.app.ports, [3000], "config/puma.rb's port");
    assert_eq!(
        m.healthcheck.path.as_deref(),
        Some("/up"),
        "rails/health#show"
    );
    assert!(m.app.sources.iter().any(|s| s == "bin"));
    assert!(
        !m.app
            .sources
            .iter()
            .any(|s| s == "test" || s == "tmp" || s == "log")
    );
    let writable: Vec<&str> = m.app.writable.iter().map(|w| w.path()).collect();
    assert_eq!(writable, ["tmp", "log", "storage"]);
    assert_eq!(
        m.app.env_required,
        ["RAILS_MASTER_KEY"],
        "credentials.yml.enc"
    );
    assert_eq!(
        m.app.release,
        [["./bin/rails", "db:prepare"]],
        "config/database.yml"
    );
    let compose = std::fs::read_to_string(dir.join("compose.yaml")).unwrap();
    assert!(
        compose.contains("command: [\"./bin/rails\", \"db:prepare\"]"),
        "{compose}"
    );
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    assert!(
        dockerfile
            .contains("SECRET_KEY_BASE_DUMMY=1 RAILS_ENV=production ./bin/rails assets:precompile")
    );
    assert!(dockerfile.contains("bundle exec bootsnap precompile app/ lib/"));
}

#[test]
fn rack_app_without_puma_runs_rackup() {
    let (_tmp, _dir, m, stderr) = init("ruby-rack");
    let ruby = m.ruby.clone().expect("[ruby] written");
    assert!(!ruby.rails && !ruby.bootsnap && !ruby.assets_precompile);
    assert_eq!(m.app.command[..3], ["bundle", "exec", "rackup"]);
    assert_eq!(m.app.ports, [9292]);
    assert_eq!(m.healthcheck.path.as_deref(), Some("/health"));
    assert!(stderr.contains("no Gemfile.lock"), "{stderr}");
    assert!(stderr.contains("no puma"), "{stderr}");
}

#[test]
fn dotnet_solution_publishes_the_web_project_and_restores_its_references() {
    let (_tmp, dir, m, _stderr) = init("dotnet-solution");
    assert_eq!(m.stack.as_str(), "dotnet");
    let dotnet = m.dotnet.clone().expect("[dotnet] written");
    assert_eq!(dotnet.version, "9.0", "net9.0");
    assert_eq!(
        dotnet.project, "src/Shop.Api/Shop.Api.csproj",
        "the Web SDK project"
    );
    assert_eq!(
        dotnet.restore_files,
        [
            "Directory.Build.props",
            "Shop.sln",
            "global.json",
            "src/Shop.Core/Shop.Core.csproj"
        ],
        "the test project left out"
    );
    assert_eq!(
        m.app.command,
        ["dotnet", "Shop.WebApi.dll"],
        "<AssemblyName>"
    );
    assert!(!m.app.sources.iter().any(|s| s == "tests"));
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("FROM mcr.microsoft.com/dotnet/aspnet:9.0\n"));
}

#[test]
fn laravel_writes_storage_and_bootstrap_cache_never_its_code() {
    let (_tmp, dir, m, _stderr) = init("php-laravel");
    // Its package.json and Vite config build assets; the PHP app is what runs.
    assert_eq!(m.stack.as_str(), "php");
    assert_eq!(
        m.app.sources,
        [
            "app",
            "artisan",
            "bootstrap",
            "config",
            "database",
            "public",
            "resources",
            "routes"
        ],
        "storage holds no code; tests left out"
    );
    let writable: Vec<(&str, bool)> = m
        .app
        .writable
        .iter()
        .map(|w| (w.path(), w.persist()))
        .collect();
    assert_eq!(
        writable,
        [
            ("storage/app", true),
            ("storage/framework/sessions", true),
            ("storage/framework/cache", false),
            ("storage/framework/views", false),
            ("storage/logs", false),
            ("bootstrap/cache", false),
        ]
    );
    assert_eq!(m.app.env_required, ["APP_KEY"]);
    assert_eq!(
        m.healthcheck.path.as_deref(),
        Some("/up"),
        "withRouting(health: '/up')"
    );
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("mkdir -p /app/storage/app /app/storage/framework/sessions"));
    let ignore = std::fs::read_to_string(dir.join(".dockerignore")).unwrap();
    assert!(
        !ignore.lines().any(|l| l.starts_with("storage")),
        "{ignore}"
    );
}

#[test]
fn a_gemfile_lock_without_linux_is_noted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mac-locked");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Gemfile"), "gem \"rack\"\ngem \"puma\"\n").unwrap();
    std::fs::write(
        dir.join("config.ru"),
        "run ->(env) { [200, {}, [\"ok\"]] }\n",
    )
    .unwrap();
    let lock = |platforms: &str| {
        format!(
            "GEM\n  specs:\n    puma (6.5.0)\n    rack (3.1.8)\n\nPLATFORMS\n{platforms}\nDEPENDENCIES\n  puma\n  rack\n"
        )
    };
    let run = |dir: &Path| {
        let out = Command::new(BIN)
            .args(["init", "--yes", "--force"])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    std::fs::write(dir.join("Gemfile.lock"), lock("  arm64-darwin-23\n")).unwrap();
    let stderr = run(&dir);
    assert!(stderr.contains("--add-platform x86_64-linux"), "{stderr}");
    assert!(stderr.contains("arm64-darwin-23"), "{stderr}");
    for platforms in ["  arm64-darwin-23\n  x86_64-linux\n", "  ruby\n"] {
        std::fs::write(dir.join("Gemfile.lock"), lock(platforms)).unwrap();
        let stderr = run(&dir);
        assert!(!stderr.contains("--add-platform"), "{platforms}: {stderr}");
    }
}

#[test]
fn jsbundling_is_noted_for_the_asset_build() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ruby-rails");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/init/ruby-rails"),
        &dir,
    );
    let lock = std::fs::read_to_string(dir.join("Gemfile.lock")).unwrap();
    std::fs::write(
        dir.join("Gemfile.lock"),
        lock.replace(
            "    msgpack (1.7.5)\n",
            "    jsbundling-rails (1.3.1)\n    msgpack (1.7.5)\n",
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["init", "--yes"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("jsbundling-rails is in Gemfile.lock"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(dir.join("dgen.toml")).unwrap();
    assert!(text.contains("stack = \"ruby\""), "{text}");
}

#[test]
fn a_ruby_version_the_gemfile_does_not_enforce_stays_on_its_minor_line() {
    // Sinatra with `ruby "~> 3.2"`: any 3.2 patch will do, so the image gets the 3.2 line's
    // patches; the route `/up` is its health check.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sinatra");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write(
        "Gemfile",
        "source \"https://gems.example.invalid\"\nruby \"~> 3.2\"\ngem \"sinatra\"\ngem \"puma\"\n",
    );
    write(
        "Gemfile.lock",
        "GEM\n  specs:\n    puma (6.5.0)\n    sinatra (4.1.1)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  puma\n  sinatra\n",
    );
    write(".ruby-version", "3.2.6\n");
    write(
        "app.rb",
        "require \"sinatra/base\"\nclass App < Sinatra::Base\n  get(\"/up\") { \"ok\" }\nend\n",
    );
    write("config.ru", "require_relative \"app\"\nrun App\n");
    let init_in = |dir: &Path| {
        let out = Command::new(BIN)
            .args(["init", "--yes"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(dir.join("dgen.toml")).unwrap()
    };
    let text = init_in(&dir);
    let m = dgen::manifest::parse(&text, Some(&dir)).unwrap().manifest;
    assert_eq!(m.ruby.unwrap().version, "3.2");
    assert_eq!(m.healthcheck.path.as_deref(), Some("/up"));
    // An exact `ruby "3.2.6"` is enforced: the exact tag.
    write(
        "Gemfile",
        "source \"https://gems.example.invalid\"\nruby \"3.2.6\"\ngem \"sinatra\"\ngem \"puma\"\n",
    );
    std::fs::remove_file(dir.join("dgen.toml")).unwrap();
    let text = init_in(&dir);
    assert!(text.contains("version = \"3.2.6\""), "{text}");
}
