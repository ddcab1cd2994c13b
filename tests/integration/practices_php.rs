//! The PHP stack's output embodies the practices of the catalogue (PRACTICES.md), plus what the
//! PHP stack promises beyond them: Composer's locked packages in a layer of their own, Apache with
//! mod_php on an unprivileged port as a system user, OPcache on, a `php -r` health probe, and
//! refusals for every value that reaches the Apache configuration or a shell line.
//! P01 (hadolint) is judged on examples/php-composer by `tests/judges/run.sh`.

use crate::common;

use common::{
    assert_ignores, assert_no_add, assert_no_consecutive_runs, assert_renders_identically,
    build_stage, exposed, final_commands, final_copies, final_runs, final_stage, froms, outputs,
    refusals, starting_with,
};

/// A minimal valid PHP manifest, with `extra` appended to `[app]` and `php` to `[php]`.
fn php(extra: &str, php: &str) -> String {
    format!(
        "name = \"shop\"\nstack = \"php\"\n\n[app]\nports = [8080]\nsources = [\"public\", \"src\"]\n{extra}\n[php]\n{php}"
    )
}

fn default_outputs() -> (String, String, String) {
    outputs(&(php("", "") + "\n[healthcheck]\npath = \"/healthz\"\n"))
}

#[test]
fn p02_one_process_apache_with_mod_php() {
    let (dockerfile, _, compose) = default_outputs();
    assert_eq!(
        final_commands(&dockerfile),
        ["CMD [\"apache2-foreground\"]"]
    );
    assert_eq!(compose.matches("build:").count(), 1);
}

#[test]
fn p03_composer_stage_and_php_apache_runtime() {
    let (dockerfile, _, _) = default_outputs();
    assert_eq!(
        froms(&dockerfile),
        ["FROM composer:2.8 AS vendor", "FROM php:8.4-apache"]
    );
    let (dockerfile, _, _) = outputs(&php(
        "",
        "version = \"8.3.12\"\ncomposer_version = \"2.7\"\n",
    ));
    assert_eq!(
        froms(&dockerfile),
        ["FROM composer:2.7 AS vendor", "FROM php:8.3.12-apache"]
    );
    // Composer itself never reaches the final image: it is mounted for one step, from the
    // vendor stage, so that the one FROM a lock pins is the only reference to its image.
    assert!(
        final_runs(&dockerfile)
            .iter()
            .any(|r| r.contains("--mount=type=bind,from=vendor,source=/usr/bin/composer"))
    );
    assert_eq!(
        dockerfile.matches("composer:2.7").count(),
        1,
        "{dockerfile}"
    );
    assert!(
        !final_copies(&dockerfile)
            .iter()
            .any(|c| c.contains("composer:"))
    );
}

#[test]
fn p04_dockerignore_keeps_out_vendor_and_credentials() {
    let (_, ignore, _) = default_outputs();
    assert_ignores(
        &ignore,
        &[
            "vendor",
            "auth.json",
            ".env",
            ".git",
            "Dockerfile",
            "var/cache/*",
            // A PHP checkout often carries Python tooling (docs, linters): the engine suite
            // plants these and found them in the build context and the image.
            ".venv",
            "**/.venv",
            "**/__pycache__",
        ],
    );
    let lines: Vec<&str> = ignore.lines().collect();
    for kept in ["composer.json", "composer.lock", "public", "src"] {
        assert!(
            !lines.contains(&kept),
            "{kept} must reach the build context"
        );
    }
}

#[test]
fn p05_tagged_never_latest() {
    assert_eq!(
        refusals(&php("", "version = \"latest\"\n")),
        ["php-version"]
    );
    assert_eq!(refusals(&php("", "version = \"7.4\"\n")), ["php-version"]);
    assert_eq!(refusals(&php("", "version = \"8\"\n")), ["php-version"]);
    assert_eq!(
        refusals(&php("", "composer_version = \"2.8-bin\"\n")),
        ["tool-version"]
    );
}

#[test]
fn p06_only_the_apps_port_and_apache_listens_on_it() {
    let (dockerfile, _, _) = outputs(&php("", "").replace("[8080]", "[8181]"));
    assert_eq!(exposed(&dockerfile), ["EXPOSE 8181"]);
    assert!(dockerfile.contains("printf '%s\\n' 'Listen 8181' > /etc/apache2/ports.conf"));
    assert!(dockerfile.contains("'<VirtualHost *:8181>'"));
    assert_eq!(
        refusals(&php("", "").replace("[8080]", "[8080, 8443]")),
        ["php-port"]
    );
    assert_eq!(
        refusals(&php("", "").replace("[8080]", "[80]")),
        ["php-port"]
    );
}

#[test]
fn p09_locked_packages_installed_before_the_sources() {
    let (dockerfile, _, _) = default_outputs();
    let build = build_stage(&dockerfile);
    let lock = build
        .iter()
        .position(|i| i == "COPY composer.json composer.lock ./")
        .expect("composer files copied");
    let install = build
        .iter()
        .position(|i| {
            i.contains("composer install --no-dev --no-scripts --no-autoloader --prefer-dist")
        })
        .expect("composer install");
    assert!(lock < install);
    assert!(
        !build
            .iter()
            .any(|i| i.contains("COPY public") || i.contains("COPY src"))
    );
    let last = final_stage(&dockerfile);
    let vendor = last
        .iter()
        .position(|i| i == "COPY --from=vendor /build/vendor ./vendor")
        .unwrap();
    let sources = last.iter().position(|i| i == "COPY src ./src").unwrap();
    let autoload = last
        .iter()
        .position(|i| i.contains("composer dump-autoload --optimize --no-dev"))
        .unwrap();
    assert!(vendor < sources && sources < autoload, "{dockerfile}");
    assert!(last[autoload].contains("composer check-platform-reqs --no-dev"));
}

#[test]
fn p10_composer_cache_on_a_cache_mount() {
    let (dockerfile, _, _) = default_outputs();
    let install = starting_with(build_stage(&dockerfile), &["RUN "]);
    assert_eq!(install.len(), 1);
    assert!(install[0].starts_with("RUN --mount=type=cache,target=/tmp/composer-cache "));
    assert!(install[0].contains("COMPOSER_CACHE_DIR=/tmp/composer-cache composer install"));
    assert!(
        final_runs(&dockerfile)
            .iter()
            .any(|r| r.contains("rm -rf /tmp/composer"))
    );
}

#[test]
fn p11_copy_never_add_and_no_consecutive_runs() {
    let (dockerfile, _, _) = default_outputs();
    assert_no_add(&dockerfile);
    assert_no_consecutive_runs(&dockerfile);
    let (dockerfile, _, _) = outputs(&php(
        "system_packages = { \"libzip-dev\" = \"1.7.*\" }\nwritable = [\"var/cache\"]\n",
        "extensions = [\"zip\", \"pdo_mysql\"]\n",
    ));
    assert_no_consecutive_runs(&dockerfile);
}

#[test]
fn p15_non_root_system_user() {
    let (dockerfile, _, _) = default_outputs();
    let last = final_stage(&dockerfile);
    assert_eq!(last.last().unwrap(), "CMD [\"apache2-foreground\"]");
    assert!(
        last.contains(&"USER ${APP_USER}".to_owned()),
        "{dockerfile}"
    );
    assert!(last[1..].iter().any(|i| i.contains("useradd --system")));
    let (dockerfile, _, _) = outputs(&php("\n[user]\nuid = 10001\n", ""));
    assert!(final_stage(&dockerfile).contains(&"USER 10001".to_owned()));
    // Apache's PID file and locks go to /tmp, a tmpfs under compose's read-only root.
    assert!(dockerfile.contains("'export APACHE_RUN_DIR=/tmp/apache2'"));
    assert!(dockerfile.contains("'export APACHE_PID_FILE=/tmp/apache2/apache2.pid'"));
}

#[test]
fn p17_code_root_owned_only_writable_paths_chowned() {
    let (dockerfile, _, _) = outputs(&php("writable = [\"var/cache\"]\n", ""));
    for copy in final_copies(&dockerfile) {
        assert!(!copy.contains("--chown"), "{copy}");
    }
    let runs = final_runs(&dockerfile);
    let autoload = runs.iter().find(|r| r.contains("dump-autoload")).unwrap();
    assert!(autoload.contains("mkdir -p /app/var/cache"), "{autoload}");
    assert!(autoload.contains("chown \"${APP_USER}:${APP_USER}\" /app/var/cache"));
}

#[test]
fn p18_health_check_with_php_not_curl() {
    let (dockerfile, _, compose) = default_outputs();
    let check = dockerfile
        .lines()
        .find(|l| l.trim_start().starts_with("CMD [\"php\", \"-r\""))
        .expect("php probe");
    assert!(
        check.ends_with(", \"8080\", \"/healthz\", \"5\"]"),
        "{check}"
    );
    assert!(check.contains("fsockopen('127.0.0.1'"));
    assert!(!dockerfile.contains("curl"));
    // compose escapes the probe's `$` for its own interpolation.
    assert!(
        compose.contains("\"php\", \"-r\", \"$$s = @fsockopen"),
        "{compose}"
    );
    let (dockerfile, _, _) = outputs(&php("", ""));
    let check = dockerfile
        .lines()
        .find(|l| l.trim_start().starts_with("CMD [\"php\", \"-r\""))
        .expect("php probe");
    assert!(check.ends_with(", \"8080\", \"5\"]"), "{check}");
    assert!(!check.contains("GET "));
}

#[test]
fn php_production_ini_and_opcache() {
    let (dockerfile, _, _) = default_outputs();
    assert!(dockerfile.contains("mv \"$PHP_INI_DIR/php.ini-production\" \"$PHP_INI_DIR/php.ini\""));
    assert!(dockerfile.contains("&& docker-php-ext-enable opcache \\"));
    assert!(dockerfile.contains("'opcache.enable=1'"));
    assert!(dockerfile.contains("'opcache.validate_timestamps=0'"));
    assert!(dockerfile.contains("'expose_php=Off'"));
    // PHP 8.5 builds OPcache in: nothing to enable.
    let (dockerfile, _, _) = outputs(&php("", "version = \"8.5\"\n"));
    assert!(!dockerfile.contains("docker-php-ext-enable"));
    assert!(dockerfile.contains("'opcache.enable=1'"));
    let (dockerfile, _, _) = outputs(&php("", "opcache = false\n"));
    assert!(!dockerfile.contains("docker-php-ext-enable"));
    assert!(dockerfile.contains("'opcache.enable=0'"));
    assert!(!dockerfile.contains("validate_timestamps"));
}

#[test]
fn apache_serves_the_document_root_only() {
    let (dockerfile, _, _) = default_outputs();
    assert!(dockerfile.contains("'    DocumentRoot /app/public'"));
    assert!(!dockerfile.contains("RedirectMatch"));
    assert!(dockerfile.contains("'ServerTokens Prod'"));
    let (dockerfile, _, _) = outputs(&php("workdir = \"/srv/shop\"\n", "document_root = \"\"\n"));
    assert!(dockerfile.contains("'    DocumentRoot /srv/shop'"));
    // The project is the document root: its packages and Composer files are not served.
    assert!(dockerfile.contains("RedirectMatch 404"), "{dockerfile}");
}

#[test]
fn extensions_are_built_and_checked() {
    let (dockerfile, _, _) = outputs(&php("", "extensions = [\"pdo_mysql\", \"bcmath\"]\n"));
    assert!(dockerfile.contains("&& docker-php-ext-install -j\"$(nproc)\" pdo_mysql bcmath \\"));
    assert_eq!(
        refusals(&php("", "extensions = [\"pdo\"]\n")),
        ["php-extension"]
    );
    assert_eq!(
        refusals(&php("", "extensions = [\"opcache\"]\n")),
        ["php-extension"]
    );
    assert_eq!(
        refusals(&php("", "extensions = [\"bcmath\", \"bcmath\"]\n")),
        ["php-extension"]
    );
}

#[test]
fn hostile_values_never_reach_the_apache_configuration_or_a_shell() {
    for (app, settings) in [
        ("", "extensions = [\"zip; rm -rf /\"]\n"),
        ("", "extensions = [\"$(id)\"]\n"),
        ("", "extensions = [\"Intl\"]\n"),
        ("", "document_root = \"../etc\"\n"),
        ("", "document_root = \"/etc\"\n"),
        ("", "document_root = \"pub lic\"\n"),
        ("", "document_root = \"public'\"\n"),
        ("", "document_root = \"public>\"\n"),
        ("workdir = \"/srv/my app\"\n", ""),
        ("workdir = \"/srv/a+b\"\n", ""),
        ("build_packages = { gcc = \"4:12.*\" }\n", ""),
    ] {
        assert!(
            !refusals(&php(app, settings)).is_empty(),
            "accepted: {app}{settings}"
        );
    }
}

#[test]
fn renders_identically() {
    assert_renders_identically(&php("", "extensions = [\"pdo_mysql\"]\n"), 3);
}
