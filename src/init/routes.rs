//! Health routes in an app's source: a string literal such as `"/healthz"` in a route
//! definition, in any language whose string literals use `"` or `'` (or backquotes).

use super::ProjectFiles;

/// Health routes looked for, best first.
pub const HEALTH_ROUTES: [&str; 9] = [
    "/healthz",
    "/health",
    "/livez",
    "/readyz",
    "/healthcheck",
    "/_health",
    // Rails' and Laravel's own health route.
    "/up",
    "/ping",
    "/status",
];

/// The string literals of one line (no escapes; good enough for routes and module names).
pub fn literals(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(['"', '\'', '`']) {
        let quote = rest.as_bytes()[start] as char;
        let after = &rest[start + 1..];
        match after.find(quote) {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// How good a health route `route` is (lower is better), when it is one.
pub fn rank(route: &str) -> Option<usize> {
    let bare = route.trim_end_matches('/');
    HEALTH_ROUTES.iter().position(|r| *r == bare)
}

/// The best health route in `paths` (files in the project) and the file it is in.
pub fn health_route(files: &ProjectFiles, paths: &[String]) -> Option<(String, String)> {
    let mut best: Option<(usize, String, String)> = None;
    for path in paths {
        let Some(text) = files.read(path) else {
            continue;
        };
        for line in text.lines() {
            for literal in literals(line) {
                if let Some(r) = rank(literal)
                    && literal.starts_with('/')
                    && best.as_ref().is_none_or(|(b, _, _)| r < *b)
                {
                    best = Some((r, literal.to_owned(), path.clone()));
                }
            }
        }
    }
    best.map(|(_, route, file)| (route, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_literals_and_ranks_routes() {
        assert_eq!(
            literals(r#"os.environ.setdefault("DJANGO_SETTINGS_MODULE", 'mysite.settings')"#),
            vec!["DJANGO_SETTINGS_MODULE", "mysite.settings"]
        );
        assert_eq!(literals("app.get(`/health`, h)"), vec!["/health"]);
        assert_eq!(rank("/healthz/"), Some(0));
        assert_eq!(rank("/health"), Some(1));
        assert_eq!(rank("/users"), None);
    }
}
