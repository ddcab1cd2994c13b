//! The PHP stack: Composer dependencies, served by Apache with mod_php.
//!
//! Why Apache with mod_php and not nginx with php-fpm: the official `php` image's `apache`
//! variant is one process that serves the app and runs PHP, which is what a container should
//! be (P02); php-fpm needs a second server (nginx) in another container or a process manager in
//! this one, and the image's docs recommend the apache variant for a self-contained app. The
//! image's Apache runs as any user once it listens on an unprivileged port (its run, lock and
//! log folders are world-writable for that purpose), so the Dockerfile rewrites `ports.conf` and
//! the site for `[app] ports` and runs Apache as a system user (P15). Apache's PID file and locks
//! go to `/tmp/apache2` (set in `/etc/apache2/envvars`), so the app runs on compose's read-only
//! root file system with its `/tmp` tmpfs.
//!
//! The build: a `vendor` stage on the official `composer` image installs the locked packages
//! from `composer.json` and `composer.lock` alone (`composer install --no-dev --no-scripts
//! --prefer-dist`, its download cache on a BuildKit cache mount), so a source edit reuses that
//! layer (P09). The final stage is `php:<version>-apache` with the production `php.ini`,
//! OPcache on (timestamps not revalidated: the code in the image never changes), Apache on
//! `[app] ports` serving `<workdir>/<document_root>`, the vendor folder, the sources, then
//! `composer dump-autoload --optimize` and `composer check-platform-reqs`, which checks the
//! locked packages' PHP version and extensions against the image that runs them (Composer is
//! mounted from its image for that step only, never copied in). The health check runs
//! `php -r` with a socket: no curl needed.
//!
//! Templates: `templates/` in this folder, named `php/<file>`.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`): `examples/php-composer`.
//! `dgen init` fixtures: `tests/fixtures/init/php-slim`, `tests/fixtures/init/php-plain`.
//! Practice tests: `tests/integration/practices_php.rs`.

pub(crate) mod init;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use include_dir::{Dir, include_dir};

use super::{Probe, Stack};
use crate::manifest::{Checker, Manifest, StackName};
use crate::values::{PathShape, PlainPath};

/// Settings of the PHP stack (`[php]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Php {
    /// The PHP version, e.g. `8.4`: the app runs on the official `php:<version>-apache` image.
    pub version: String,
    /// The Composer version of the dependency stage, e.g. `2.8`: the official
    /// `composer:<composer_version>` image.
    pub composer_version: String,
    /// The folder Apache serves, relative to `[app] workdir`, e.g. `public` (Slim, Laravel,
    /// Symfony). Empty: the workdir itself; then `vendor/` and the Composer files are refused
    /// to clients.
    pub document_root: String,
    /// PHP extensions to build into the image with `docker-php-ext-install`, e.g.
    /// `["pdo_mysql", "bcmath"]`. Those the image already has (pdo, mbstring, curl, …) are
    /// refused; an extension that needs a C library needs its `-dev` package in `[app]
    /// system_packages`.
    pub extensions: Vec<String>,
    /// OPcache on, without revalidating timestamps (the code in the image never changes).
    pub opcache: bool,
}

impl Default for Php {
    fn default() -> Self {
        Php {
            version: "8.4".to_owned(),
            composer_version: "2.8".to_owned(),
            document_root: "public".to_owned(),
            extensions: Vec::new(),
            opcache: true,
        }
    }
}

/// Extensions compiled into the official `php` images already.
pub const BUILT_IN_EXTENSIONS: &[&str] = &[
    "ctype",
    "curl",
    "date",
    "dom",
    "fileinfo",
    "filter",
    "hash",
    "iconv",
    "json",
    "libxml",
    "mbstring",
    "mysqlnd",
    "openssl",
    "pcre",
    "pdo",
    "pdo_sqlite",
    "phar",
    "posix",
    "random",
    "readline",
    "reflection",
    "session",
    "simplexml",
    "sodium",
    "spl",
    "sqlite3",
    "standard",
    "tokenizer",
    "xml",
    "xmlreader",
    "xmlwriter",
    "zlib",
];

/// Extensions `docker-php-ext-install` builds without another C library.
pub const SELF_CONTAINED_EXTENSIONS: &[&str] = &[
    "bcmath",
    "calendar",
    "exif",
    "gettext",
    "mysqli",
    "pcntl",
    "pdo_mysql",
    "shmop",
    "sockets",
    "sysvmsg",
    "sysvsem",
    "sysvshm",
];

/// The templates, named `php/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/php/templates");

/// The PHP stack.
pub struct PhpStack;

/// The absolute folder Apache serves.
fn document_root(manifest: &Manifest, s: &Php) -> String {
    let workdir = manifest.app.workdir.trim_end_matches('/');
    let root = s.document_root.trim_matches('/');
    match (workdir.is_empty(), root.is_empty()) {
        (true, true) => "/".to_owned(),
        (true, false) => format!("/{root}"),
        (false, true) => workdir.to_owned(),
        (false, false) => format!("{workdir}/{root}"),
    }
}

/// The site: Apache's only virtual host.
fn site_conf(port: u32, root: &str, root_is_workdir: bool) -> Vec<String> {
    let mut lines = vec![
        format!("<VirtualHost *:{port}>"),
        format!("    DocumentRoot {root}"),
        format!("    <Directory {root}>"),
        "        Options -Indexes +FollowSymLinks".to_owned(),
        "        AllowOverride All".to_owned(),
        "        Require all granted".to_owned(),
        "        DirectoryIndex index.php index.html".to_owned(),
        "    </Directory>".to_owned(),
        // Hidden files (.env, .git, .htaccess) are never served.
        "    <FilesMatch \"^\\.\">".to_owned(),
        "        Require all denied".to_owned(),
        "    </FilesMatch>".to_owned(),
    ];
    if root_is_workdir {
        // The whole project is the document root: keep its dependencies and Composer files out.
        lines.push("    RedirectMatch 404 \"^/(vendor(/.*)?|composer\\.(json|lock))$\"".to_owned());
    }
    lines.extend([
        "    CustomLog /dev/stdout combined".to_owned(),
        "</VirtualHost>".to_owned(),
    ]);
    lines
}

/// PHP settings on top of the production `php.ini`.
fn php_ini(s: &Php) -> Vec<String> {
    let mut lines = vec!["expose_php=Off".to_owned()];
    if s.opcache {
        lines.extend(
            [
                "opcache.enable=1",
                "opcache.memory_consumption=128",
                "opcache.interned_strings_buffer=16",
                "opcache.max_accelerated_files=20000",
                "opcache.validate_timestamps=0",
            ]
            .map(str::to_owned),
        );
    } else {
        lines.push("opcache.enable=0".to_owned());
    }
    lines
}

/// Whether OPcache is a shared extension to enable (before PHP 8.5, which builds it in).
fn opcache_is_shared(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) < (8, 5)
}

#[derive(Serialize)]
struct Context {
    composer_image: String,
    document_root: String,
    extensions: Vec<String>,
    enable_opcache: bool,
    php_ini: Vec<String>,
    site_conf: Vec<String>,
    apache_conf: Vec<String>,
    port: u32,
}

impl Stack for PhpStack {
    type Settings = Php;

    fn table(manifest: &Manifest) -> Option<&Php> {
        manifest.php.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::PhpDetector)
    }

    fn name(&self) -> StackName {
        StackName::Php
    }

    fn description(&self) -> &'static str {
        "PHP with Composer, served by Apache with mod_php"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &["php", "composer"]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = PhpStack::settings(manifest);
        let version_ok = crate::manifest::is_version(&s.version, 2..=3)
            && s.version.split('.').next().is_some_and(|m| m == "8");
        if !version_ok {
            c.error(
                "php-version",
                &["php".into(), "version".into()],
                format!("`{}` is not a PHP 8 version", s.version),
                "expected e.g. \"8.4\"",
            );
        }
        if !crate::manifest::is_version(&s.composer_version, 1..=3) {
            c.error(
                "tool-version",
                &["php".into(), "composer_version".into()],
                format!("`{}` is not a Composer version", s.composer_version),
                "expected e.g. \"2.8\"",
            );
        }
        if !s.document_root.is_empty() && !PlainPath::is(&s.document_root, PathShape::RELATIVE) {
            c.error(
                "php-document-root",
                &["php".into(), "document_root".into()],
                format!(
                    "`{}` is not a plain folder inside the workdir",
                    s.document_root
                ),
                "expected e.g. \"public\"",
            )
            .help = Some(
                "use letters, digits, `.`, `_`, `-` and `/`, relative to [app] workdir; empty for the workdir itself"
                    .to_owned(),
            );
        }
        let workdir = &manifest.app.workdir;
        if PlainPath::is(workdir, PathShape::IMAGE_DIR) && !PlainPath::is(workdir, PathShape::NGINX)
        {
            c.error(
                "workdir-invalid",
                &["app".into(), "workdir".into()],
                format!(
                    "workdir `{workdir}` is written into the Apache configuration: use letters, digits, `.`, `_`, `-` and `/`"
                ),
                "not a plain absolute path",
            );
        }
        let mut seen = Vec::new();
        for (i, ext) in s.extensions.iter().enumerate() {
            let at = ["php".into(), "extensions".into(), i.into()];
            let plain = !ext.is_empty()
                && ext.len() <= 40
                && ext.starts_with(|ch: char| ch.is_ascii_lowercase())
                && ext
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !plain {
                c.error(
                    "php-extension",
                    &at,
                    format!("`{ext}` is not a PHP extension name"),
                    "expected e.g. \"pdo_mysql\"",
                );
            } else if BUILT_IN_EXTENSIONS.contains(&ext.as_str()) || ext == "opcache" {
                c.error(
                    "php-extension",
                    &at,
                    format!("`{ext}` is already in the php image"),
                    "built in",
                )
                .help = Some(if ext == "opcache" {
                    "OPcache is set by [php] opcache".to_owned()
                } else {
                    "remove it from [php] extensions".to_owned()
                });
            } else if seen.contains(&ext) {
                c.error(
                    "php-extension",
                    &at,
                    format!("`{ext}` is listed twice"),
                    "duplicate",
                );
            } else if !SELF_CONTAINED_EXTENSIONS.contains(&ext.as_str())
                && manifest.app.system_packages.is_empty()
            {
                c.warning(
                    "php-extension-library",
                    &at,
                    format!("`{ext}` may need a C library to build"),
                    "needs a library?",
                )
                .help = Some(
                    "add its -dev package (e.g. libzip-dev for zip, libicu-dev for intl, libpq-dev for pdo_pgsql) to [app] system_packages".to_owned(),
                );
            }
            seen.push(ext);
        }
        let ports = &manifest.app.ports;
        if ports.len() != 1 {
            c.error(
                "php-port",
                &["app".into(), "ports".into()],
                format!("Apache listens on exactly one port, not {}", ports.len()),
                "expected e.g. [8080]",
            );
        } else if ports[0] < 1024 {
            c.error(
                "php-port",
                &["app".into(), "ports".into(), 0.into()],
                format!(
                    "port {} is privileged: Apache runs as a non-root user",
                    ports[0]
                ),
                "below 1024",
            )
            .help = Some("listen on 8080 and publish it as 80 if needed".to_owned());
        }
        if !manifest.app.build_packages.is_empty() {
            c.error(
                "php-build-packages",
                &["app".into(), "build_packages".into()],
                "the PHP stack has no build stage of its own: Composer installs in the official composer image",
                "not for the PHP stack",
            )
            .help = Some(
                "libraries for [php] extensions go in [app] system_packages".to_owned(),
            );
        }
        let composer = ["stack".into()];
        c.must_exist(&composer, "composer.json", "composer.json", true);
        if c.project_dir()
            .is_some_and(|d| !d.join("composer.lock").exists())
        {
            c.warning(
                "php-lock-missing",
                &composer,
                "composer.lock does not exist next to the manifest: the build copies it and installs the locked packages",
                "no composer.lock",
            )
            .help = Some(
                "run `composer update --lock` (or `composer install`) and commit composer.lock"
                    .to_owned(),
            );
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        format!("php:{}-apache", PhpStack::settings(manifest).version)
    }

    fn default_command(&self, _manifest: &Manifest) -> Option<Vec<String>> {
        Some(vec!["apache2-foreground".to_owned()])
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = PhpStack::settings(manifest);
        let port = manifest.app.ports.first().copied().unwrap_or(8080);
        let root = document_root(manifest, &s);
        minijinja::Value::from(minijinja::value::Serde(Context {
            composer_image: format!("composer:{}", s.composer_version),
            extensions: s.extensions.clone(),
            enable_opcache: s.opcache && opcache_is_shared(&s.version),
            php_ini: php_ini(&s)
                .iter()
                .map(|l| crate::render::printf_word(l))
                .collect(),
            site_conf: site_conf(port, &root, s.document_root.trim_matches('/').is_empty())
                .iter()
                .map(|l| crate::render::printf_word(l))
                .collect(),
            apache_conf: [
                "ServerName localhost",
                "ServerTokens Prod",
                "ServerSignature Off",
                "TraceEnable Off",
            ]
            .iter()
            .map(|l| crate::render::printf_word(l))
            .collect(),
            document_root: root,
            port,
        }))
    }

    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        // The port, path and timeout are arguments, never part of the code.
        let (code, args) = match probe {
            Probe::Http {
                port,
                path,
                timeout_secs,
            } => (
                "$s = @fsockopen('127.0.0.1', (int) $argv[1], $errno, $error, (float) $argv[3]); if (!$s) { fwrite(STDERR, $error . PHP_EOL); exit(1); } stream_set_timeout($s, (int) $argv[3]); fwrite($s, 'GET ' . $argv[2] . \" HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n\"); $line = (string) fgets($s); if (!preg_match('#^HTTP/\\S+ [23]\\d\\d\\b#', $line)) { fwrite(STDERR, 'unhealthy: ' . $line . PHP_EOL); exit(1); }",
                vec![port.to_string(), path.clone(), timeout_secs.to_string()],
            ),
            Probe::Tcp { port, timeout_secs } => (
                "$s = @fsockopen('127.0.0.1', (int) $argv[1], $errno, $error, (float) $argv[2]); if (!$s) { fwrite(STDERR, $error . PHP_EOL); exit(1); }",
                vec![port.to_string(), timeout_secs.to_string()],
            ),
        };
        ["php", "-r", code]
            .into_iter()
            .map(str::to_owned)
            .chain(args)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcache_is_built_in_from_8_5() {
        assert!(opcache_is_shared("8.4"));
        assert!(opcache_is_shared("8.4.12"));
        assert!(!opcache_is_shared("8.5"));
        assert!(!opcache_is_shared("9.0"));
    }

    #[test]
    fn site_listens_on_the_port_and_serves_the_root() {
        let conf = site_conf(8080, "/app/public", false).join("\n");
        assert!(conf.starts_with("<VirtualHost *:8080>"));
        assert!(conf.contains("DocumentRoot /app/public"));
        assert!(!conf.contains("RedirectMatch"));
        let conf = site_conf(8080, "/app", true).join("\n");
        assert!(conf.contains("RedirectMatch 404"));
    }

    #[test]
    fn shell_words_print_the_line_literally() {
        assert_eq!(crate::render::printf_word("Listen 8080"), "'Listen 8080'");
        assert_eq!(
            crate::render::printf_word("a \"b\" $c"),
            "\"a \\\"b\\\" \\$c\""
        );
    }
}
