//! What a Node.js server's code says about how it runs: the web framework (Express, Fastify,
//! Koa, Hapi, NestJS, plain `http`), the port in its `listen` call (`app.listen(3000)`,
//! `fastify.listen({ port: 3000, host: "0.0.0.0" })`), whether it binds to all interfaces, and
//! the folders it serves or renders from (`express.static("public")`, `@fastify/static`'s
//! `root`, `koa-static`, `app.set("views", …)`).

use crate::init::ProjectFiles;
use crate::init::routes::literals;
use crate::init::sources::port_after;

/// Frameworks recognised from the dependencies, best known first.
const FRAMEWORKS: [(&str, &str); 7] = [
    ("@nestjs/core", "NestJS"),
    ("fastify", "Fastify"),
    ("koa", "Koa"),
    ("@hapi/hapi", "hapi"),
    ("express", "Express"),
    ("hono", "Hono"),
    ("restify", "restify"),
];

/// The framework among `dependencies`, as a display name.
pub fn framework(dependencies: &[String]) -> Option<&'static str> {
    FRAMEWORKS
        .iter()
        .find(|(dep, _)| dependencies.iter().any(|d| d == dep))
        .map(|(_, name)| *name)
}

/// The port a `listen` call names in `text`: `listen(3000`, `listen({ port: 3000`, or a
/// `port: 3000` key of the object a listen call gets.
pub fn listen_port(text: &str) -> Option<u32> {
    if let Some(port) = port_after(text, ".listen(") {
        return Some(port);
    }
    if !text.contains(".listen(") && !text.contains(".start(") {
        return None;
    }
    // `listen({ port: 3000 })`, `listen({ port: Number(process.env.PORT) || 3000 })`.
    for marker in ["port:", "port :"] {
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            let after = &rest[at + marker.len()..];
            let line = after.lines().next().unwrap_or_default();
            let digits: String = line
                .split(|c: char| !c.is_ascii_digit())
                .find(|d| d.len() >= 2)
                .unwrap_or_default()
                .to_owned();
            if let Ok(port) = digits.parse::<u32>()
                && (1..=65535).contains(&port)
            {
                return Some(port);
            }
            rest = after;
        }
    }
    None
}

/// Whether the code binds to every interface (`0.0.0.0`, `::`), or takes the host from the
/// environment (`process.env.HOST`).
pub fn binds_everywhere(text: &str) -> bool {
    text.contains("0.0.0.0") || text.contains("\"::\"") || text.contains("'::'")
}

/// Calls whose path argument is a folder served or rendered from.
const FOLDER_MARKERS: [&str; 9] = [
    "express.static(",
    "serveStatic(",
    "serve-static",
    "koaStatic(",
    "serve(",
    "root:",
    "'views'",
    "\"views\"",
    "views:",
];

/// The folders the code in `file` names for static files or templates that exist in the
/// project, relative to the project: a literal path resolved against the file's folder when it
/// follows `__dirname` (or `import.meta.dirname`), else against the working directory.
pub fn folders(files: &ProjectFiles, file: &str, text: &str) -> Vec<String> {
    let file_dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") || trimmed.starts_with('*') {
            continue;
        }
        let Some(at) = FOLDER_MARKERS.iter().filter_map(|m| line.find(m)).min() else {
            continue;
        };
        // `app.set("views", …)` names its folder after the key; `root:` only with a path.
        let rest = &line[at..];
        let relative_to_file = rest.contains("__dirname") || rest.contains("import.meta.dirname");
        let mut parts: Vec<&str> = literals(rest);
        // `app.set("views", …)`: the key is not part of the path.
        if rest.starts_with("'views'") || rest.starts_with("\"views\"") {
            if !line[..at].trim_end().ends_with("set(") {
                continue;
            }
            parts.remove(0);
        }
        parts.retain(|p| !p.is_empty() && !p.contains(['$', '*', '\\', '?']) && !p.contains("://"));
        if parts.is_empty()
            || parts
                .iter()
                .any(|p| p.starts_with('/') && !relative_to_file)
        {
            continue;
        }
        let mut path: Vec<&str> = if relative_to_file && !file_dir.is_empty() {
            file_dir.split('/').collect()
        } else {
            Vec::new()
        };
        let mut ok = true;
        for part in parts {
            for segment in part.split('/') {
                match segment {
                    "" | "." => {}
                    ".." => {
                        if path.pop().is_none() {
                            ok = false;
                        }
                    }
                    s => path.push(s),
                }
            }
        }
        if !ok || path.is_empty() {
            continue;
        }
        let folder = path.join("/");
        if files.is_dir(&folder)
            && !folder
                .split('/')
                .any(|s| files.never_copied(s).is_some() || s == "node_modules")
            && !out.contains(&folder)
        {
            out.push(folder);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_from_listen_calls() {
        assert_eq!(listen_port("app.listen(3000, () => {})"), Some(3000));
        assert_eq!(
            listen_port("await fastify.listen({ port: 8080, host: '0.0.0.0' })"),
            Some(8080)
        );
        assert_eq!(
            listen_port(
                "const start = async () => {\n  await app.listen({\n    port: Number(process.env.APP_PORT) || 4000,\n    host: '0.0.0.0',\n  });\n}"
            ),
            Some(4000)
        );
        assert_eq!(listen_port("const config = { port: 5432 };"), None);
        assert_eq!(listen_port("app.listen(port)"), None);
    }

    #[test]
    fn folders_named_in_code() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["public", "views", "src/assets", "static", "node_modules/x"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let files = ProjectFiles::scan(dir.path());
        let express = "app.use(express.static('public'));\napp.set('views', path.join(__dirname, '..', 'views'));\napp.set('view engine', 'pug');";
        assert_eq!(folders(&files, "src/app.js", express), ["public", "views"]);
        let fastify = "fastify.register(require('@fastify/static'), {\n  root: path.join(__dirname, 'assets'),\n});";
        assert_eq!(folders(&files, "src/server.js", fastify), ["src/assets"]);
        let koa = "app.use(serve(__dirname + '/static'));";
        assert_eq!(folders(&files, "index.js", koa), ["static"]);
        // Missing folders, URLs, folders outside the project and dependencies are not named.
        let other = "app.use(express.static('missing'));\napp.use(serve('../outside'));\napp.use(express.static('node_modules/x'));";
        assert!(folders(&files, "index.js", other).is_empty());
    }
}
