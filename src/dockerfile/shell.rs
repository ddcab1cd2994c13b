//! A rough reading of shell commands in RUN instructions: enough to tell which programs run
//! with which arguments (`pip install …`, `apt-get install …`, `chown …`). Not a shell parser:
//! no expansions, no functions; quotes are removed, separators split commands.

/// The simple commands of a shell text, each as its words, split at `;`, `&`, `|`, `(`, `)`,
/// newlines; `\`-newline joins lines; `# comments` are dropped.
pub(crate) fn commands(text: &str) -> Vec<Vec<String>> {
    let mut cmds = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    fn end_word(cur: &mut Vec<String>, word: &mut String, in_word: &mut bool) {
        if *in_word {
            cur.push(std::mem::take(word));
            *in_word = false;
        }
    }
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(n) => {
                    word.push(n);
                    in_word = true;
                }
            },
            ';' | '&' | '|' | '\n' | '(' | ')' => {
                end_word(&mut cur, &mut word, &mut in_word);
                if !cur.is_empty() {
                    cmds.push(std::mem::take(&mut cur));
                }
            }
            '#' if !in_word => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                end_word(&mut cur, &mut word, &mut in_word);
                if !cur.is_empty() {
                    cmds.push(std::mem::take(&mut cur));
                }
            }
            c if c.is_whitespace() => end_word(&mut cur, &mut word, &mut in_word),
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    end_word(&mut cur, &mut word, &mut in_word);
    if !cur.is_empty() {
        cmds.push(cur);
    }
    cmds
}

/// The words from the program name on: leading `VAR=value`, `sudo`, `exec`, `env`,
/// `command`, `nohup`, `time` are skipped.
pub(crate) fn program(cmd: &[String]) -> &[String] {
    let skip = cmd
        .iter()
        .take_while(|w| {
            matches!(
                w.as_str(),
                "sudo" | "exec" | "env" | "command" | "nohup" | "time" | "then" | "do" | "else"
            ) || is_assignment(w)
        })
        .count();
    &cmd[skip..]
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// The file name of a program path: `/opt/venv/bin/pip` → `pip`.
pub(crate) fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// The arguments that are not options (do not start with `-`).
fn operands(args: &[String]) -> impl Iterator<Item = &str> {
    args.iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
}

fn is_pip(name: &str) -> bool {
    name == "pip" || name == "pip3" || name.starts_with("pip3.")
}

fn is_python(name: &str) -> bool {
    name == "python" || name.starts_with("python3")
}

/// The `pip install` commands (also `python -m pip install`; not `uv pip install`): the
/// words after `install`.
pub(crate) fn pip_installs(cmds: &[Vec<String>]) -> Vec<&[String]> {
    let mut out = Vec::new();
    for cmd in cmds {
        let p = program(cmd);
        let Some(first) = p.first() else { continue };
        let name = basename(first);
        let rest = if is_pip(name) {
            &p[1..]
        } else if is_python(name) {
            match p.iter().position(|w| w == "-m") {
                Some(i) if p.get(i + 1).is_some_and(|w| is_pip(w)) => &p[i + 2..],
                _ => continue,
            }
        } else {
            continue;
        };
        if operands(rest).next() == Some("install") {
            out.push(rest);
        }
    }
    out
}

/// The commands whose program (basename) is `name`, with their arguments.
pub(crate) fn invocations<'a>(cmds: &'a [Vec<String>], names: &[&str]) -> Vec<&'a [String]> {
    cmds.iter()
        .filter_map(|cmd| {
            let p = program(cmd);
            let first = p.first()?;
            names.contains(&basename(first)).then(|| &p[1..])
        })
        .collect()
}

/// The first operand of a command (its subcommand).
pub(crate) fn subcommand(args: &[String]) -> Option<&str> {
    operands(args).next()
}

/// Does this shell text install the project's dependencies (as opposed to building or
/// running it)? pip/uv/poetry/pipenv/pdm, npm/yarn/pnpm/bun, go mod, cargo fetch/chef,
/// Maven/Gradle dependency goals, bundler, composer, dotnet restore.
pub(crate) fn installs_dependencies(cmds: &[Vec<String>]) -> bool {
    // `pip install --no-deps` installs the project itself, not its dependencies.
    if pip_installs(cmds)
        .iter()
        .any(|args| !args.iter().any(|a| a == "--no-deps"))
    {
        return true;
    }
    cmds.iter().any(|cmd| {
        let p = program(cmd);
        let Some(first) = p.first() else { return false };
        let args = &p[1..];
        let mut ops = operands(args);
        let sub = ops.next();
        match basename(first) {
            "uv" => sub == Some("sync") || (sub == Some("pip") && ops.next() == Some("install")),
            "poetry" | "pipenv" | "pdm" => matches!(sub, Some("install" | "sync")),
            "npm" => matches!(sub, Some("install" | "i" | "ci")),
            "yarn" => matches!(sub, None | Some("install")) || yarn_focus(args),
            // A Yarn release run with node (Yarn 2+'s yarnPath).
            "node"
                if args.first().is_some_and(|a| {
                    basename(a).starts_with("yarn") && (a.ends_with(".cjs") || a.ends_with(".js"))
                }) =>
            {
                let rest = &args[1..];
                matches!(operands(rest).next(), None | Some("install")) || yarn_focus(rest)
            }
            "pnpm" | "bun" => matches!(sub, Some("install" | "i")),
            "go" => sub == Some("mod") && ops.next() == Some("download"),
            "cargo" => sub == Some("fetch") || (sub == Some("chef") && ops.next() == Some("cook")),
            "mvn" | "mvnw" => args.iter().any(|a| a.starts_with("dependency:")),
            "gradle" | "gradlew" => args.iter().any(|a| a == "dependencies"),
            "bundle" | "composer" => sub == Some("install"),
            "dotnet" => sub == Some("restore"),
            _ => false,
        }
    })
}

/// Yarn 2+'s `workspaces focus` (Berry's production install), wherever its flags put it.
fn yarn_focus(args: &[String]) -> bool {
    args.windows(2)
        .any(|w| w[0] == "workspaces" && w[1] == "focus")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Vec<Vec<String>> {
        commands(text)
    }

    #[test]
    fn splits_commands() {
        let cmds = c(
            "apt-get update \\\n && DEBIAN_FRONTEND=noninteractive apt-get install -y 'a b' \"c\" ; echo x|wc -l # done\nfalse",
        );
        let words: Vec<Vec<&str>> = cmds
            .iter()
            .map(|c| c.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            words,
            [
                vec!["apt-get", "update"],
                vec![
                    "DEBIAN_FRONTEND=noninteractive",
                    "apt-get",
                    "install",
                    "-y",
                    "a b",
                    "c"
                ],
                vec!["echo", "x"],
                vec!["wc", "-l"],
                vec!["false"],
            ]
        );
        assert_eq!(program(&cmds[1])[0], "apt-get");
    }

    #[test]
    fn pip_install_forms() {
        assert_eq!(pip_installs(&c("pip install -r requirements.txt")).len(), 1);
        assert_eq!(
            pip_installs(&c("/opt/venv/bin/pip3 install --no-cache-dir x")).len(),
            1
        );
        assert_eq!(pip_installs(&c("python3.12 -m pip install x")).len(), 1);
        assert_eq!(pip_installs(&c("uv pip install x")).len(), 0);
        assert_eq!(pip_installs(&c("pip --version")).len(), 0);
        assert_eq!(pip_installs(&c("sudo -H pip install x")).len(), 0);
    }

    #[test]
    fn dependency_installs() {
        for yes in [
            "pip install -r requirements.txt",
            "uv sync --frozen --no-dev",
            "poetry install --only main --no-root",
            "npm ci --omit=dev",
            "yarn --frozen-lockfile",
            "yarn workspaces focus --production",
            "yarn --cwd apps/api workspaces focus --production",
            "yarn install --immutable",
            "node .yarn/releases/yarn-4.9.2.cjs workspaces focus --production",
            "pnpm install --prod",
            "go mod download",
            "cargo fetch",
            "mvn -B dependency:go-offline",
            "./gradlew dependencies",
            "bundle install",
        ] {
            assert!(installs_dependencies(&c(yes)), "{yes}");
        }
        for no in [
            "go build ./...",
            "npm run build",
            "cargo build --release",
            "yarn build",
            "yarn workspaces list",
            "node .yarn/releases/yarn-4.9.2.cjs run build",
            "node server.js",
            "python app.py",
        ] {
            assert!(!installs_dependencies(&c(no)), "{no}");
        }
    }
}
