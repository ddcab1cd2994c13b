//! The one secret detector. Manifest validation, drift and lint all ask it, so they always agree.
//!
//! Two questions, answered independently:
//!
//! - [`name`]: does a variable or key *name* say it holds a secret (`DB_PASSWORD`, `JWT_KEY`,
//!   `GITHUB_PAT`)? Names that only *point at* a secret are allowed: `*_FILE`, `*_PATH`,
//!   `*_DIR`, anything `PUBLIC`, and settings about a secret (`*_TTL`, `*_LENGTH`, …).
//! - [`value`]: does a *value* have the shape of a credential, wherever it appears (an env
//!   value, a label, a command argument): provider tokens (`ghp_…`, `sk_live_…`, `AKIA…`,
//!   `xoxb-…`), PEM private keys, JSON Web Tokens, URLs with a password, connection strings
//!   with a key.
//!
//! [`env`] asks both for a `NAME=value` pair. [`linter_flags_name`] answers a third, narrower
//! question for the generator only: would hadolint's DL3064 flag the name in `ENV` (it flags
//! some names, such as `DB_USERNAME`, that are not secrets), so that what dgen accepts never
//! makes the linter complain.
//!
//! The patterns are dgen's own, written from the token formats providers document.

/// The kind of rule that matched: the families secret scanners group their rules in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// A name that says it holds a secret.
    Name,
    /// A cloud provider's access key (AWS, Google).
    Cloud,
    /// A source-hosting or package-registry token (GitHub, GitLab, npm, PyPI).
    Vcs,
    /// A chat or SaaS API token (Slack, Stripe, SendGrid, OpenAI, Anthropic).
    Saas,
    /// A PEM private key block.
    PrivateKey,
    /// A JSON Web Token.
    Jwt,
    /// A URL or connection string carrying a password or key.
    Connection,
}

/// What matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// A stable rule ID, e.g. `github-token`.
    pub rule: &'static str,
    /// Its family.
    pub family: Family,
    /// What it is, for messages: "a GitHub token".
    pub what: &'static str,
}

const fn m(rule: &'static str, family: Family, what: &'static str) -> Match {
    Match { rule, family, what }
}

/// Tokens of a name: split on `_`, `-`, `.` and lower-case/upper-case boundaries, lower-cased.
fn tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if matches!(ch, '_' | '-' | '.' | ' ' | '/') {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Words that make a name a secret wherever they stand.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "apikey",
    "credential",
    "credentials",
    "creds",
    "privatekey",
    "secretkey",
    "accesskey",
    "authtoken",
];

/// Words that make `<word>_KEY` a secret.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "private",
    "access",
    "secret",
    "ssh",
    "signing",
    "encryption",
    "auth",
    "client",
    "master",
    "jwt",
    "session",
    "app",
    "deploy",
    "license",
    "webhook",
    "hmac",
    "crypt",
    "cipher",
    "account",
    "service",
    "consumer",
    "shared",
];

/// Last words that make a name a secret: `NPM_AUTH`, `GITHUB_PAT`, `AWS_SECRET_ACCESS_KEY`…
const SECRET_TAILS: &[&str] = &["auth", "pat", "salt", "dsn"];

/// Last words that make a name point at a secret, or describe one, rather than hold it.
const SAFE_TAILS: &[&str] = &[
    "file",
    "path",
    "dir",
    "filename",
    "location",
    "ttl",
    "timeout",
    "length",
    "expiry",
    "expires",
    "lifetime",
    "header",
    "endpoint",
    "enabled",
    "algorithm",
    "type",
];

/// Whether `key` names a secret; `None` when it does not, or is allow-listed (`*_FILE`,
/// `*_PATH`, `PUBLIC_KEY`, …).
pub fn name(key: &str) -> Option<Match> {
    let words = tokens(key);
    // `PWD` alone is the shell's working directory, not a password.
    if words.is_empty() || is_allowed(&words) || words == ["pwd"] {
        return None;
    }
    let found = words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || words.windows(2).any(|pair| {
            (pair[1] == "key" || pair[1] == "keys") && KEY_QUALIFIERS.contains(&pair[0].as_str())
        })
        || words
            .last()
            .is_some_and(|w| SECRET_TAILS.contains(&w.as_str()));
    found.then_some(m("secret-name", Family::Name, "a name that holds a secret"))
}

fn is_allowed(words: &[String]) -> bool {
    words.iter().any(|w| w.contains("public"))
        || words
            .last()
            .is_some_and(|w| SAFE_TAILS.contains(&w.as_str()))
}

/// Whether `key` is allow-listed: it points at or describes a secret rather than holding one.
pub fn is_allowed_name(key: &str) -> bool {
    is_allowed(&tokens(key))
}

/// Whether hadolint's DL3064 would flag `key` in `ENV`. Broader than [`name`]: it also flags
/// user names and some allow-listed names (`PASSWORD_FILE`). The generator refuses these too,
/// with a message that says why.
pub fn linter_flags_name(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    const SUBSTRINGS: &[&str] = &[
        "api_key",
        "client_key",
        "password",
        "private",
        "secret",
        "token",
        "username",
    ];
    const KNOWN: &[&str] = &[
        "APPLICATION_KEY",
        "AWS_ACCESS_KEY_ID",
        "CF_USERNAME",
        "CI_DEPLOY_USER",
        "DOCKER_EMAIL",
        "FACEBOOK_APP_ID",
        "HEROKU_API_USER",
        "OKTA_AUTHN_GROUPID",
        "OKTA_CLIENT_ORGURL",
        "OKTA_OAUTH2_CLIENTID",
        "OS_USERNAME",
        "STRIPE_DEVICE_NAME",
        "TRAVIS_OS_NAME",
        "TRAVIS_SECURE_ENV_VARS",
        "TRAVIS_SUDO",
        "VAULT_CLIENT_KEY",
    ];
    SUBSTRINGS.iter().any(|s| lower.contains(s))
        || KNOWN.contains(&key.to_ascii_uppercase().as_str())
}

/// Whether a `NAME=value` pair holds a secret: by its name, or by its value's shape.
pub fn env(key: &str, value: &str) -> Option<Match> {
    name(key).or_else(|| self::value(value))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Every start of `prefix` in `text` that is not glued to a preceding word character.
fn starts<'t>(text: &'t str, prefix: &'t str) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    text.match_indices(prefix)
        .map(|(i, _)| i)
        .filter(move |&i| i == 0 || !is_word_byte(bytes[i - 1]))
}

/// Length of the run of bytes in `class` at `from`.
fn run(text: &str, from: usize, class: fn(u8) -> bool) -> usize {
    text.as_bytes()[from..]
        .iter()
        .take_while(|&&b| class(b))
        .count()
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn alnum_us(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}
fn url_path(b: u8) -> bool {
    b64url(b) || b == b'/'
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// `prefix` followed by at least `min` bytes of `class`, somewhere in `text`.
fn prefixed(text: &str, prefix: &str, class: fn(u8) -> bool, min: usize) -> bool {
    starts(text, prefix).any(|i| run(text, i + prefix.len(), class) >= min)
}

/// Token shapes: (rule, family, what, prefix, class, minimum length after the prefix).
type Shape = (
    &'static str,
    Family,
    &'static str,
    &'static str,
    fn(u8) -> bool,
    usize,
);

const SHAPES: &[Shape] = &[
    (
        "aws-access-key",
        Family::Cloud,
        "an AWS access key ID",
        "AKIA",
        upper_digit,
        16,
    ),
    (
        "aws-access-key",
        Family::Cloud,
        "an AWS access key ID",
        "ASIA",
        upper_digit,
        16,
    ),
    (
        "google-api-key",
        Family::Cloud,
        "a Google API key",
        "AIza",
        b64url,
        35,
    ),
    (
        "github-token",
        Family::Vcs,
        "a GitHub token",
        "ghp_",
        alnum,
        30,
    ),
    (
        "github-token",
        Family::Vcs,
        "a GitHub token",
        "gho_",
        alnum,
        30,
    ),
    (
        "github-token",
        Family::Vcs,
        "a GitHub token",
        "ghu_",
        alnum,
        30,
    ),
    (
        "github-token",
        Family::Vcs,
        "a GitHub token",
        "ghs_",
        alnum,
        30,
    ),
    (
        "github-token",
        Family::Vcs,
        "a GitHub token",
        "ghr_",
        alnum,
        30,
    ),
    (
        "github-token",
        Family::Vcs,
        "a GitHub token",
        "github_pat_",
        alnum_us,
        30,
    ),
    (
        "gitlab-token",
        Family::Vcs,
        "a GitLab token",
        "glpat-",
        b64url,
        20,
    ),
    ("npm-token", Family::Vcs, "an npm token", "npm_", alnum, 30),
    (
        "pypi-token",
        Family::Vcs,
        "a PyPI token",
        "pypi-",
        b64url,
        40,
    ),
    (
        "slack-token",
        Family::Saas,
        "a Slack token",
        "xoxb-",
        b64url,
        10,
    ),
    (
        "slack-token",
        Family::Saas,
        "a Slack token",
        "xoxp-",
        b64url,
        10,
    ),
    (
        "slack-token",
        Family::Saas,
        "a Slack token",
        "xoxa-",
        b64url,
        10,
    ),
    (
        "slack-token",
        Family::Saas,
        "a Slack token",
        "xoxs-",
        b64url,
        10,
    ),
    (
        "slack-token",
        Family::Saas,
        "a Slack token",
        "xoxr-",
        b64url,
        10,
    ),
    (
        "slack-webhook",
        Family::Saas,
        "a Slack webhook URL",
        "https://hooks.slack.com/services/",
        url_path,
        12,
    ),
    (
        "stripe-key",
        Family::Saas,
        "a Stripe secret key",
        "sk_live_",
        alnum,
        10,
    ),
    (
        "stripe-key",
        Family::Saas,
        "a Stripe secret key",
        "sk_test_",
        alnum,
        10,
    ),
    (
        "stripe-key",
        Family::Saas,
        "a Stripe restricted key",
        "rk_live_",
        alnum,
        10,
    ),
    (
        "stripe-key",
        Family::Saas,
        "a Stripe restricted key",
        "rk_test_",
        alnum,
        10,
    ),
    (
        "anthropic-key",
        Family::Saas,
        "an Anthropic API key",
        "sk-ant-",
        b64url,
        20,
    ),
    (
        "openai-key",
        Family::Saas,
        "an OpenAI API key",
        "sk-proj-",
        b64url,
        20,
    ),
    (
        "sendgrid-key",
        Family::Saas,
        "a SendGrid API key",
        "SG.",
        b64url,
        20,
    ),
];

/// Whether `text` holds something shaped like a credential.
pub fn value(text: &str) -> Option<Match> {
    for &(rule, family, what, prefix, class, min) in SHAPES {
        if prefixed(text, prefix, class, min) {
            return Some(m(rule, family, what));
        }
    }
    // OpenAI's older keys: `sk-` and a long run of letters and digits.
    if prefixed(text, "sk-", alnum, 32) {
        return Some(m("openai-key", Family::Saas, "an OpenAI API key"));
    }
    if private_key_block(text) {
        return Some(m("private-key", Family::PrivateKey, "a PEM private key"));
    }
    if jwt(text) {
        return Some(m("jwt", Family::Jwt, "a JSON Web Token"));
    }
    if url_with_password(text) {
        return Some(m(
            "url-password",
            Family::Connection,
            "a URL with a password",
        ));
    }
    if connection_string_key(text) {
        return Some(m(
            "connection-string",
            Family::Connection,
            "a connection string with a key or password",
        ));
    }
    None
}

/// `-----BEGIN … PRIVATE KEY…-----` (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP …).
fn private_key_block(text: &str) -> bool {
    text.match_indices("-----BEGIN ").any(|(i, _)| {
        let rest = &text[i + 11..];
        let header = rest.split("-----").next().unwrap_or("");
        header.len() <= 40 && header.contains("PRIVATE KEY")
    })
}

/// Three base64url segments, the first two JSON objects (`eyJ`).
fn jwt(text: &str) -> bool {
    starts(text, "eyJ").any(|i| {
        let first = run(text, i, b64url);
        let second_at = i + first;
        if first < 10 || text.as_bytes().get(second_at) != Some(&b'.') {
            return false;
        }
        let rest = &text[second_at + 1..];
        if !rest.starts_with("eyJ") {
            return false;
        }
        let second = run(rest, 0, b64url);
        rest.as_bytes().get(second) == Some(&b'.') && run(rest, second + 1, b64url) >= 10
    })
}

/// A URL with a password in it (`scheme://user:pass@host`), anywhere in `text`.
pub fn url_with_password(text: &str) -> bool {
    text.match_indices("://").any(|(i, _)| {
        let rest = &text[i + 3..];
        let authority = rest
            .split(['/', '?', '#', ' ', '"', '\''])
            .next()
            .unwrap_or("");
        match authority.rsplit_once('@') {
            Some((userinfo, _)) => userinfo
                .split_once(':')
                .is_some_and(|(_, p)| !p.is_empty() && !p.starts_with('$')),
            None => false,
        }
    })
}

/// `AccountKey=…`, `SharedAccessKey=…`, `Password=…` in a `;`-separated connection string.
fn connection_string_key(text: &str) -> bool {
    text.split(';').any(|part| {
        let Some((k, v)) = part.split_once('=') else {
            return false;
        };
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim();
        matches!(
            k.as_str(),
            "accountkey" | "sharedaccesskey" | "password" | "pwd"
        ) && !v.is_empty()
            && !v.starts_with('$')
            && text.contains(';')
    })
}

/// Whether the generator refuses to bake a variable named `key` into an image: [`name`] says it
/// holds a secret, or hadolint's DL3064 would flag it ([`linter_flags_name`]). Manifest
/// validation and the runtime settings ask here.
pub fn must_not_bake(key: &str) -> bool {
    name(key).is_some() || linter_flags_name(key)
}

/// Whether a file or folder the build context holds is a secret by its name: `.env`, private
/// keys, key stores, credentials. Every rule that judges a copied file asks here; the generated
/// `.dockerignore` keeps the same names out ([`crate::ignore::SECRET_PATTERNS`], checked
/// against this in a test).
pub fn file(path: &str) -> bool {
    let base = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    let harmless = [".example", ".sample", ".template", ".dist", ".defaults"];
    if harmless.iter().any(|h| base.ends_with(h)) {
        return false;
    }
    base == ".env"
        || base.starts_with(".env.")
        || matches!(
            base.as_str(),
            "id_rsa"
                | "id_dsa"
                | "id_ecdsa"
                | "id_ed25519"
                | ".netrc"
                | ".pypirc"
                | ".npmrc"
                | ".git-credentials"
                | "credentials"
                | "credentials.json"
                | ".ssh"
                | ".aws"
                | ".docker"
                | "secrets"
        )
        || (base.starts_with("credentials") && base.ends_with(".json"))
        || [".pem", ".key", ".p12", ".pfx", ".jks"]
            .iter()
            .any(|e| base.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_by_word_pair_and_tail() {
        for key in [
            "DB_PASSWORD",
            "DB_PASS",
            "MYSQL_PWD",
            "API_KEY",
            "JWT_KEY",
            "GITHUB_PAT",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "PRIVATE_KEY",
            "client_secret",
            "STRIPE_APIKEY",
            "NPM_AUTH",
            "npm.auth.token",
            "Private-Key",
            "SESSION_KEY",
            "apiKey",
            "SENTRY_DSN",
            "PASSWORD_SALT",
            "SSH_KEYS",
        ] {
            assert!(name(key).is_some(), "{key}");
        }
    }

    #[test]
    fn allow_list_and_plain_names() {
        for key in [
            "PASSWORD_FILE",
            "DJANGO_SECRET_KEY_FILE",
            "TLS_PRIVATE_KEY_PATH",
            "PUBLIC_KEY",
            "JWT_PUBLIC_KEY",
            "TOKEN_TTL",
            "PASSWORD_MIN_LENGTH",
            "SECRETS_DIR",
            "LOG_LEVEL",
            "AUTHOR",
            "KEYBOARD",
            "PASSENGER_ENV",
            "TOKENIZER_PARALLELISM",
            "PORT",
            "PATH",
            "PWD",
            "COMPASS_HOME",
            "USER_AGENT",
        ] {
            assert!(name(key).is_none(), "{key}");
        }
        assert!(is_allowed_name("PASSWORD_FILE"));
        assert!(!is_allowed_name("PASSWORD"));
    }

    #[test]
    fn linter_compat_is_broader() {
        for key in [
            "DB_USERNAME",
            "PASSWORD_FILE",
            "PRIVATE_NETWORK",
            "DOCKER_EMAIL",
        ] {
            assert!(linter_flags_name(key), "{key}");
        }
        assert!(!linter_flags_name("LOG_LEVEL"));
    }

    fn rule_of(text: &str) -> Option<&'static str> {
        value(text).map(|m| m.rule)
    }

    #[test]
    fn cloud_keys() {
        assert_eq!(rule_of("AKIAIOSFODNN7EXAMPLE"), Some("aws-access-key"));
        assert_eq!(
            rule_of("--key=ASIAY34FZKBOKMUTVV7A"),
            Some("aws-access-key")
        );
        assert_eq!(
            rule_of("AIzaSyA1234567890abcdefghijklmnopqrstuv"),
            Some("google-api-key")
        );
        assert_eq!(rule_of("AKIA-short"), None);
        assert_eq!(rule_of("XAKIAIOSFODNN7EXAMPLE"), None, "glued to a word");
    }

    #[test]
    fn vcs_and_registry_tokens() {
        let gh = format!("ghp_{}", "a1B2".repeat(9));
        assert_eq!(rule_of(&gh), Some("github-token"));
        let pat = format!("github_pat_{}", "11ABC_def".repeat(6));
        assert_eq!(rule_of(&pat), Some("github-token"));
        assert_eq!(rule_of("glpat-abcdefghij0123456789"), Some("gitlab-token"));
        assert_eq!(
            rule_of(&format!("npm_{}", "x".repeat(36))),
            Some("npm-token")
        );
        assert_eq!(
            rule_of(&format!("pypi-AgEIcHlwaS5vcmc{}", "Q".repeat(50))),
            Some("pypi-token")
        );
        assert_eq!(rule_of("ghp_short"), None);
    }

    #[test]
    fn saas_tokens() {
        assert_eq!(rule_of("xoxb-1234567890-abcdef"), Some("slack-token"));
        assert_eq!(
            rule_of("https://hooks.slack.com/services/T000/B000/XXXXXXXX"),
            Some("slack-webhook")
        );
        assert_eq!(
            rule_of("sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
            Some("stripe-key")
        );
        assert_eq!(rule_of("rk_test_abcdefghijkl"), Some("stripe-key"));
        assert_eq!(
            rule_of(&format!("sk-ant-api03-{}", "z".repeat(30))),
            Some("anthropic-key")
        );
        assert_eq!(
            rule_of(&format!("sk-{}", "Ab1".repeat(16))),
            Some("openai-key")
        );
        assert_eq!(
            rule_of(&format!("SG.{}.{}", "a".repeat(22), "b".repeat(43))),
            Some("sendgrid-key")
        );
        assert_eq!(rule_of("sk-learn"), None);
    }

    #[test]
    fn private_keys_and_jwts() {
        for header in [
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        ] {
            assert_eq!(rule_of(&format!("{header}MIIEow")), Some("private-key"));
        }
        assert_eq!(rule_of("-----BEGIN PUBLIC KEY-----"), None);
        assert_eq!(rule_of("-----BEGIN CERTIFICATE-----"), None);
        let jwt =
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(rule_of(jwt), Some("jwt"));
        assert_eq!(rule_of("eyJhbGciOiJIUzI1NiJ9"), None);
    }

    #[test]
    fn connections() {
        assert_eq!(rule_of("postgres://u:p@db/x"), Some("url-password"));
        assert_eq!(
            rule_of("--db=mysql://root:hunter2@db:3306/x"),
            Some("url-password")
        );
        assert_eq!(rule_of("postgres://u@db/x"), None);
        assert_eq!(rule_of("redis://redis:6379/0"), None);
        assert_eq!(
            rule_of("postgres://u:${PW}@db/x"),
            None,
            "a reference, not a value"
        );
        assert_eq!(
            rule_of("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc=="),
            Some("connection-string")
        );
        assert_eq!(
            rule_of("Server=db;Database=x;Password=hunter2"),
            Some("connection-string")
        );
        assert_eq!(rule_of("plain"), None);
    }

    #[test]
    fn env_asks_both() {
        assert!(env("DB_PASS", "x").is_some());
        assert!(env("GREETING", "xoxb-1234567890-abcdef").is_some());
        assert!(env("GREETING", "hello").is_none());
        assert!(env("PASSWORD_FILE", "/run/secrets/db").is_none());
    }

    #[test]
    fn secret_files_agree_with_the_dockerignore() {
        // A file the generated .dockerignore keeps out as a secret is a secret file to every
        // rule that judges a COPY, and the other way round for these names.
        for path in [
            ".env",
            ".env.production",
            "app/.env",
            "certs/server.pem",
            "tls.key",
            "store.p12",
            "store.pfx",
            "id_rsa",
            "home/id_ed25519",
            ".npmrc",
            ".pypirc",
            ".netrc",
            ".aws",
            ".ssh",
            "credentials.json",
            "config/credentials-prod.json",
            "secrets",
        ] {
            assert!(
                crate::ignore::secret_pattern(path).is_some(),
                "{path}: not kept out by the .dockerignore"
            );
            assert!(file(path), "{path}: not a secret file");
        }
        for path in [
            "app.py",
            ".env.example",
            "certs/ca.crt",
            "keys.py",
            "README.md",
        ] {
            assert!(!file(path), "{path}");
        }
    }

    #[test]
    fn must_not_bake_asks_both_questions() {
        assert!(must_not_bake("DB_PASSWORD"));
        assert!(must_not_bake("DB_PASS"));
        assert!(must_not_bake("API_PASS"));
        // Not a secret, but hadolint would flag it in ENV.
        assert!(must_not_bake("DB_USERNAME"));
        assert!(!must_not_bake("DB_HOST"));
    }
}
