//! Real Python layouts through `dgen init` and `dgen render`: requirements folders with `-r`/`-c`
//! includes, PEP 621 projects without a lock, Django static files and translations, frameworks
//! started from code; bad requirements (loops, the project itself) refused with exit 2 and
//! nothing written; sources that the generated .dockerignore would keep out.

use crate::common;

use common::copy_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dgen");

struct Case {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Case {
    fn fixture(name: &str) -> Case {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/init")
                .join(name),
            &dir,
        );
        Case { _tmp: tmp, dir }
    }

    fn files(name: &str, files: &[(&str, &str)]) -> Case {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Case { _tmp: tmp, dir }
    }

    fn dgen(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// `dgen init --yes` succeeds, then `dgen render` does; returns the manifest and stderr.
    fn init_and_render(&self) -> (dgen::manifest::Manifest, String) {
        let out = self.dgen(&["init", "--yes"]);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let text = self.read("dgen.toml");
        let loaded = dgen::manifest::parse(&text, Some(&self.dir)).unwrap_or_else(|d| {
            panic!(
                "{}",
                dgen::diagnostic::render("dgen.toml", &text, &d, false)
            )
        });
        let out = self.dgen(&["render"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (loaded.manifest, stderr)
    }

    /// `dgen init --yes` fails with exit 2 and writes nothing; returns stderr.
    fn init_refused(&self) -> String {
        let out = self.dgen(&["init", "--yes"]);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(!self.dir.join("dgen.toml").exists(), "nothing written");
        assert!(!stderr.contains("Next steps"), "{stderr}");
        stderr
    }
}

/// The Dockerfile's instructions, one per entry, continuations joined.
fn instructions(dockerfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(body) => current.push_str(body),
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

fn position(list: &[String], needle: &str) -> usize {
    list.iter()
        .position(|i| i.contains(needle))
        .unwrap_or_else(|| panic!("no instruction with `{needle}` in {list:#?}"))
}

#[test]
fn django_requirements_folder_with_static_files_and_translations() {
    let case = Case::fixture("django-requirements-static");
    let (m, stderr) = case.init_and_render();
    let python = m.python.unwrap();
    assert_eq!(python.requirements, "requirements/prod.txt");
    assert_eq!(python.requirements_includes, vec!["requirements/base.txt"]);
    assert!(python.collectstatic);
    assert_eq!(python.build_placeholders, vec!["DJANGO_SECRET_KEY"]);
    assert_eq!(python.compilemessages, vec!["locale"]);
    assert_eq!(m.app.command.last().unwrap(), "config.wsgi");
    assert!(!m.app.sources.contains(&"tests".to_owned()));
    assert!(stderr.contains("DJANGO_SECRET_KEY at run time"), "{stderr}");
    let text = case.read("dgen.toml");
    assert!(
        text.contains(
            "Detected from config/settings.py: django.contrib.staticfiles and STATIC_ROOT."
        ),
        "{text}"
    );

    let dockerfile = case.read("Dockerfile");
    let steps = instructions(&dockerfile);
    // Both requirement files, at their own paths, before the install and before any source.
    let copy = position(
        &steps,
        "COPY requirements/prod.txt requirements/base.txt ./requirements/",
    );
    let install = position(&steps, "-r requirements/prod.txt");
    let first_source = position(&steps, "COPY config ./config");
    assert!(copy < install && install < first_source, "{dockerfile}");
    // collectstatic after the sources, before USER, with the placeholder only on that command.
    let collect = position(&steps, "collectstatic --noinput");
    let user = position(&steps, "USER ");
    assert!(first_source < collect && collect < user, "{dockerfile}");
    assert!(
        steps[collect].starts_with("RUN DJANGO_SECRET_KEY=build-only-placeholder python manage.py")
    );
    for step in &steps {
        if step.starts_with("ENV") || step.starts_with("ARG") {
            assert!(!step.contains("DJANGO_SECRET_KEY"), "{step}");
        }
    }
    // The catalogs compiled in their own stage, copied over the locale folder.
    let stage = position(&steps, "FROM builder AS messages");
    let compile = position(&steps, "polib.pofile");
    let copy_mo = position(&steps, "COPY --from=messages /messages/locale ./locale");
    assert!(stage < compile && compile < copy_mo && copy_mo < collect);
    assert!(!case.read("compose.yaml").contains("build-only-placeholder"));
}

#[test]
fn requirements_with_nested_includes_and_constraints() {
    let case = Case::fixture("requirements-includes");
    let (m, stderr) = case.init_and_render();
    let python = m.python.unwrap();
    assert_eq!(
        python.requirements_includes,
        vec![
            "requirements/common.txt",
            "requirements/web.txt",
            "constraints.txt"
        ]
    );
    // The constraints file pins gunicorn 27: its control socket is turned off.
    assert!(m.app.command.contains(&"--no-control-socket".to_owned()));
    assert!(
        !stderr.contains("does not pin"),
        "constraints pin them: {stderr}"
    );
    let steps = instructions(&case.read("Dockerfile"));
    position(&steps, "COPY requirements.txt constraints.txt ./");
    position(
        &steps,
        "COPY requirements/common.txt requirements/web.txt ./requirements/",
    );

    // A manifest that forgets an include is refused by render, naming the line that pulls it in.
    let text = case.read("dgen.toml").replace(", \"constraints.txt\"", "");
    std::fs::write(case.dir.join("dgen.toml"), &text).unwrap();
    let out = case.dgen(&["render"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("requirements.txt:3 pulls in constraints.txt"),
        "{stderr}"
    );
}

#[test]
fn pep621_without_a_lock_started_from_code() {
    let case = Case::fixture("pep621-starlette");
    let (m, stderr) = case.init_and_render();
    assert_eq!(m.app.command, vec!["python", "app.py"]);
    assert_eq!(m.app.ports, vec![8081], "the port uvicorn.run is given");
    for folder in ["statics", "views"] {
        assert!(
            m.app.sources.contains(&folder.to_owned()),
            "{:?}",
            m.app.sources
        );
    }
    assert!(!m.app.sources.contains(&"tests".to_owned()));
    let python = m.python.unwrap();
    assert_eq!(python.requirements, "pyproject.toml");
    assert_eq!(python.version, "3.11");
    assert!(stderr.contains("no lock file pins them"), "{stderr}");
    let text = case.read("dgen.toml");
    assert!(text.contains("named in code: views (app.py"), "{text}");
    let steps = instructions(&case.read("Dockerfile"));
    let copy = position(&steps, "COPY pyproject.toml ./");
    let install = position(&steps, "tomllib");
    let source = position(&steps, "COPY app.py ./app.py");
    assert!(copy < install && install < source);
    assert!(
        !steps
            .iter()
            .any(|s| s.contains("pip install") && s.contains(" .")),
        "never a whole-context pip install ."
    );
}

#[test]
fn the_project_itself_in_requirements_is_refused_with_the_line() {
    let case = Case::fixture("requirements-editable");
    let stderr = case.init_refused();
    assert!(stderr.contains("requirements.txt:2: `-e .`"), "{stderr}");
    assert!(stderr.contains("remove the line"), "{stderr}");
}

#[test]
fn an_include_loop_is_refused_with_the_chain() {
    let case = Case::fixture("requirements-loop");
    let stderr = case.init_refused();
    assert!(
        stderr.contains("reqs/b.txt:2: `-r ../requirements.txt` makes an include loop: requirements.txt -> reqs/a.txt -> reqs/b.txt -> requirements.txt"),
        "{stderr}"
    );
}

#[test]
fn an_include_outside_the_project_is_refused() {
    let case = Case::files(
        "outside",
        &[
            (
                "requirements.txt",
                "-c ../../constraints.txt\nflask==3.1.3\n",
            ),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let stderr = case.init_refused();
    assert!(stderr.contains("requirements.txt:1"), "{stderr}");
    assert!(stderr.contains("outside the project"), "{stderr}");
}

#[test]
fn frameworks_started_from_code_in_other_layouts() {
    // Sanic started by its own app.run on all interfaces, in a package.
    let case = Case::files(
        "sanic-svc",
        &[
            ("requirements.txt", "sanic==24.12.0\n"),
            (
                "svc/server.py",
                "from sanic import Sanic\nfrom sanic.response import text\n\napp = Sanic(\"svc\")\napp.static(\"/assets\", \"./public\")\n\n@app.get(\"/healthz\")\nasync def healthz(request):\n    return text(\"ok\")\n\nif __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", port=8001, single_process=True)\n",
            ),
            ("svc/__init__.py", ""),
            ("public/logo.svg", "<svg/>"),
        ],
    );
    let (m, _) = case.init_and_render();
    assert_eq!(m.app.command, vec!["python", "svc/server.py"]);
    assert_eq!(m.app.ports, vec![8001]);
    assert!(
        m.app.sources.contains(&"public".to_owned()),
        "{:?}",
        m.app.sources
    );

    // Litestar in app/main.py, uvicorn.run on localhost: the server command on 0.0.0.0 instead,
    // with the module path from the layout and the port from the call.
    let case = Case::files(
        "litestar-svc",
        &[
            ("requirements.txt", "litestar==2.15.0\nuvicorn==0.34.2\n"),
            ("app/__init__.py", ""),
            (
                "app/main.py",
                "import uvicorn\nfrom litestar import Litestar, get\n\n@get(\"/\")\nasync def index() -> str:\n    return \"hi\"\n\napplication = Litestar(route_handlers=[index])\n\nif __name__ == \"__main__\":\n    uvicorn.run(application, port=9000)\n",
            ),
        ],
    );
    let (m, stderr) = case.init_and_render();
    assert_eq!(
        m.app.command,
        vec![
            "uvicorn",
            "app.main:application",
            "--host",
            "0.0.0.0",
            "--port",
            "9000"
        ]
    );
    assert_eq!(m.app.ports, vec![9000]);
    assert!(
        stderr.contains("unreachable from outside a container"),
        "{stderr}"
    );

    // Quart served by hypercorn; Flask-style template_folder beside the module.
    let case = Case::files(
        "quart-svc",
        &[
            ("requirements.txt", "quart==0.20.0\nhypercorn==0.17.3\n"),
            (
                "web/app.py",
                "from quart import Quart\n\napp = Quart(__name__, template_folder=\"pages\")\n",
            ),
            ("web/__init__.py", ""),
            ("web/pages/index.html", "<p>hi</p>"),
        ],
    );
    let (m, _) = case.init_and_render();
    assert_eq!(
        m.app.command,
        vec!["hypercorn", "--bind", "0.0.0.0:5000", "web.app:app"]
    );
    assert_eq!(m.app.ports, vec![5000]);
}

#[test]
fn sources_the_dockerignore_would_keep_out() {
    let manifest = "name = \"t\"\nstack = \"python\"\n[app]\ncommand = [\"python\", \"app.py\"]\nsources = [\"app.py\", \"certs/ca.crt\", \"Dockerfile.base\", \"certs\"]\n[healthcheck]\nenabled = false\n";
    let case = Case::files(
        "ignored",
        &[
            ("dgen.toml", manifest),
            ("app.py", "print('hi')\n"),
            ("requirements.txt", ""),
            ("certs/ca.crt", "cert"),
            ("certs/server.key", "key"),
            ("Dockerfile.base", "FROM x\n"),
        ],
    );
    let out = case.dgen(&["render"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The private key inside a copied folder stays out, and the user is told.
    assert!(
        stderr.contains("certs/server.key is inside `certs`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("certs/ca.crt is inside"),
        "named as a source: {stderr}"
    );
    let ignore = case.read(".dockerignore");
    let tail: Vec<&str> = ignore.lines().rev().take(2).collect();
    assert_eq!(tail, vec!["!Dockerfile.base", "!certs/ca.crt"], "{ignore}");
    assert!(ignore.contains("**/*.key"));

    // A secret-looking source is refused, nothing written.
    let case = Case::files(
        "secret",
        &[
            (
                "dgen.toml",
                &manifest.replace("\"Dockerfile.base\", \"certs\"", "\"secrets\""),
            ),
            ("app.py", "print('hi')\n"),
            ("requirements.txt", ""),
            ("certs/ca.crt", "cert"),
            ("secrets/db.txt", "pw"),
        ],
    );
    let out = case.dgen(&["render"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error[source-secret]"), "{stderr}");
    assert!(!case.dir.join("Dockerfile").exists());
}

/// The install of the project itself: dependencies first (before any source), then a `project`
/// stage that builds the wheel after its build backend, then the wheel installed `--no-deps`
/// after the sources in the final stage.
fn assert_project_install_order(dockerfile: &str, source_copy: &str) {
    let steps = instructions(dockerfile);
    let deps = position(&steps, "python -m venv /opt/venv");
    let stage = position(&steps, "FROM builder AS project");
    let backend = position(&steps, "pip install -r /tmp/build-requirements.txt");
    let source_in_stage = steps
        .iter()
        .enumerate()
        .position(|(i, s)| i > stage && s.contains(source_copy))
        .unwrap_or_else(|| panic!("no {source_copy} in the project stage: {dockerfile}"));
    let wheel = position(
        &steps,
        "pip wheel --no-deps --no-build-isolation --no-index",
    );
    let runtime = steps
        .iter()
        .rposition(|s| s.starts_with("FROM python:"))
        .unwrap();
    let source_final = steps
        .iter()
        .enumerate()
        .position(|(i, s)| i > runtime && s.contains(source_copy))
        .unwrap();
    let install = position(&steps, "pip install --no-cache-dir --no-deps --no-index");
    let user = position(&steps, "USER ");
    assert!(
        deps < stage
            && stage < backend
            && backend < source_in_stage
            && source_in_stage < wheel
            && wheel < runtime
            && runtime < source_final
            && source_final < install
            && install < user,
        "{dockerfile}"
    );
    assert!(steps[install].contains("--mount=type=bind,from=project,source=/wheels"));
    assert!(
        steps[install].contains("&& pip check"),
        "{}",
        steps[install]
    );
    // Never a whole-context install before the sources, and no source in the dependency stage.
    for step in &steps[..stage] {
        assert!(
            !(step.starts_with("COPY") && step.contains(source_copy)),
            "{step}"
        );
        assert!(!step.contains("pip install ."), "{step}");
    }
}

#[test]
fn a_pep621_package_in_a_src_layout_is_installed_after_its_dependencies() {
    let case = Case::fixture("pep621-package-src");
    let (m, _) = case.init_and_render();
    let python = m.python.unwrap();
    assert_eq!(python.requirements, "pyproject.toml");
    assert!(python.install_project);
    // The readme pyproject.toml names is read by the build backend.
    assert_eq!(python.project_files, vec!["README.md"]);
    assert!(python.optional_dependencies.is_empty(), "dev stays out");
    assert_eq!(m.app.sources, vec!["src"]);
    let text = case.read("dgen.toml");
    assert!(
        text.contains("[build-system] build-backend =") && text.contains("\"hatchling.build\"."),
        "{text}"
    );
    let dockerfile = case.read("Dockerfile");
    assert_project_install_order(&dockerfile, "COPY src ./src");
    let steps = instructions(&dockerfile);
    let readme = position(&steps, "COPY README.md ./README.md");
    assert!(readme > position(&steps, "FROM builder AS project"));
    // The readme is copied into the build stage only.
    assert!(
        readme
            < steps
                .iter()
                .rposition(|s| s.starts_with("FROM python:"))
                .unwrap()
    );
    // `dgen check` is clean on what render wrote: its own lint verdicts see no P09 break.
    let out = case.dgen(&["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn requirements_that_name_the_project_with_extras() {
    let case = Case::fixture("requirements-project-extras");
    let (m, stderr) = case.init_and_render();
    let python = m.python.unwrap();
    assert_eq!(python.requirements, "requirements.txt");
    assert_eq!(python.requirements_includes, vec!["requirements/base.txt"]);
    assert!(python.install_project);
    assert_eq!(python.optional_dependencies, vec!["server"]);
    assert_eq!(python.project_files, vec!["LICENSE"]);
    assert_eq!(
        m.app.command,
        vec!["inventory-serve"],
        "the Procfile's console script"
    );
    assert!(!stderr.contains("editable install"), "{stderr}");
    let text = case.read("dgen.toml");
    assert!(
        text.contains("requirements.txt:2: `-e .[server]`"),
        "{text}"
    );
    let dockerfile = case.read("Dockerfile");
    assert_project_install_order(&dockerfile, "COPY inventory ./inventory");
    let steps = instructions(&dockerfile);
    // pyproject.toml joins the dependency files; the project's lines are dropped from every
    // requirements file before the install, and its declared dependencies and the extra added.
    position(&steps, "COPY requirements.txt pyproject.toml ./");
    let deps = position(&steps, "python -m venv /opt/venv");
    assert!(steps[deps].contains("' requirements.txt requirements/base.txt "));
    assert!(steps[deps].contains("pyproject.toml server > /tmp/project-requirements.txt"));
    assert!(steps[deps].contains("-r requirements.txt -r /tmp/project-requirements.txt"));
    // The filter, run as the build runs it (from the project's folder), drops only the lines
    // that name the project, whatever their spelling.
    let line = &steps[deps];
    let start = line.find("python -c 'import os").unwrap() + "python -c '".len();
    let code = &line[start..start + line[start..].find("' requirements.txt").unwrap()];
    let probe = Case::files(
        "probe",
        &[
            (
                "requirements.txt",
                "-r requirements/base.txt\n-e .[server]\n--editable=./\n.  # the app\nfile:.\nflask==3.1.3 \\\n    --hash=sha256:00\n./vendor/x.whl\n",
            ),
            (
                "requirements/base.txt",
                "-e .\n-e ./libs/x\nwaitress==3.0.2\n",
            ),
        ],
    );
    if Command::new("python3")
        .args(["-c", "import re"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let out = Command::new("python3")
            .args(["-c", code, "requirements.txt", "requirements/base.txt"])
            .current_dir(&probe.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            probe.read("requirements.txt"),
            "-r requirements/base.txt\nflask==3.1.3 \\\n    --hash=sha256:00\n./vendor/x.whl\n"
        );
        assert_eq!(
            probe.read("requirements/base.txt"),
            "-e ./libs/x\nwaitress==3.0.2\n"
        );
    }

    // A manifest that drops the extra is refused at the line that asks for it.
    let edited = case
        .read("dgen.toml")
        .replace("optional_dependencies = [\"server\"]", "");
    std::fs::write(case.dir.join("dgen.toml"), &edited).unwrap();
    let out = case.dgen(&["render"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("requirements.txt:2: `-e .[server]` asks for the extra `server`"),
        "{stderr}"
    );
    // Without install_project the line is refused with the fix.
    let edited = case
        .read("dgen.toml")
        .replace("install_project = true", "install_project = false")
        .replace("project_files = [\"LICENSE\"]", "");
    std::fs::write(case.dir.join("dgen.toml"), &edited).unwrap();
    let out = case.dgen(&["render"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("requirements.txt:2: `-e .[server]` installs the project itself"),
        "{stderr}"
    );
    assert!(stderr.contains("install_project = true"), "{stderr}");
}

#[test]
fn install_project_refuses_what_would_break_the_build() {
    let manifest = "name = \"t\"\nstack = \"python\"\n[app]\ncommand = [\"t\"]\nsources = [\"t\"]\n[python]\nrequirements = \"pyproject.toml\"\ninstall_project = true\n[healthcheck]\nenabled = false\n";
    let render = |files: &[(&str, &str)]| {
        let mut all = vec![("dgen.toml", manifest), ("t/__init__.py", "")];
        all.extend_from_slice(files);
        let case = Case::files("t", &all);
        let out = case.dgen(&["render"]);
        assert!(!case.dir.join("Dockerfile").exists(), "nothing written");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The readme the backend reads is not copied.
    let (code, stderr) = render(&[
        (
            "pyproject.toml",
            "[build-system]\nrequires = [\"flit_core>=3.9\"]\nbuild-backend = \"flit_core.buildapi\"\n[project]\nname = \"t\"\nversion = \"1\"\ndescription = \"x\"\nreadme = \"docs/README.rst\"\ndependencies = []\n",
        ),
        ("docs/README.rst", "t"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("reads docs/README.rst (pyproject.toml [project] readme)"),
        "{stderr}"
    );
    assert!(stderr.contains("add \"docs/README.rst\" to [python] project_files"));
    // Not a package: no build system.
    let (code, stderr) = render(&[(
        "pyproject.toml",
        "[project]\nname = \"t\"\nversion = \"1\"\ndependencies = []\n",
    )]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("the project is not a package"), "{stderr}");
    // Not a package: PDM says so.
    let (code, stderr) = render(&[(
        "pyproject.toml",
        "[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n[project]\nname = \"t\"\nversion = \"1\"\ndependencies = []\n[tool.pdm]\ndistribution = false\n",
    )]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("distribution = false"), "{stderr}");
    // A package that pdm-backend builds renders.
    let (code, stderr) = {
        let case = Case::files(
            "t",
            &[
                ("dgen.toml", manifest),
                ("t/__init__.py", ""),
                (
                    "pyproject.toml",
                    "[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n[project]\nname = \"t\"\nversion = \"1\"\ndependencies = [\"click==8.1.8\"]\n",
                ),
            ],
        );
        let out = case.dgen(&["render"]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_project_that_is_not_a_package_is_not_installed() {
    // PEP 621 without a build system: dependencies only, as before.
    let case = Case::files(
        "plain",
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"plain\"\nversion = \"0\"\nrequires-python = \">=3.12\"\ndependencies = [\"flask==3.1.3\", \"gunicorn==23.0.0\"]\n",
            ),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let (m, _) = case.init_and_render();
    assert!(!m.python.unwrap().install_project);
    assert!(!case.read("Dockerfile").contains("AS project"));
    // uv says the project is not a package: neither.
    let case = Case::files(
        "uvflag",
        &[
            (
                "pyproject.toml",
                "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n[project]\nname = \"uvflag\"\nversion = \"0\"\nrequires-python = \">=3.12\"\ndependencies = [\"flask==3.1.3\", \"gunicorn==23.0.0\"]\n[tool.uv]\npackage = false\n",
            ),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let out = case.dgen(&["init", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // [tool.uv] makes it a uv project, which installs without the project.
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!case.read("dgen.toml").contains("install_project"));
}

#[test]
fn a_package_the_backend_cannot_find_is_run_from_its_sources() {
    // hatchling infers the package from the project's name; `todo-litestar` ships `src/todo`,
    // run as `python main.py` with PYTHONPATH: building its wheel would fail, so it is not
    // installed, and init says how to make it installable.
    let files: &[(&str, &str)] = &[
        (
            "pyproject.toml",
            "[project]\nname = \"todo-litestar\"\nversion = \"0.1.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"litestar>=2.13,<3\", \"uvicorn>=0.32\"]\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
        ),
        (
            "main.py",
            "import sys\nimport uvicorn\n\nif __name__ == \"__main__\":\n    uvicorn.run(\"todo.app:app\", host=\"0.0.0.0\", port=8000, app_dir=\"src\")\n",
        ),
        ("src/todo/__init__.py", ""),
        (
            "src/todo/app.py",
            "from litestar import Litestar, get\n\n@get(\"/\")\nasync def index() -> str:\n    return \"ok\"\n\napp = Litestar([index])\n",
        ),
    ];
    let case = Case::files("hatch-mismatch", files);
    let out = case.dgen(&["init", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !case.read("dgen.toml").contains("install_project"),
        "{}",
        case.read("dgen.toml")
    );
    assert!(
        stderr.contains("hatchling looks for a package named after the project `todo-litestar`"),
        "{stderr}"
    );
    // Told where the package is, it is a package again.
    let mut told: Vec<(&str, String)> = files.iter().map(|(p, c)| (*p, (*c).to_owned())).collect();
    told[0]
        .1
        .push_str("\n[tool.hatch.build.targets.wheel]\npackages = [\"src/todo\"]\n");
    let told: Vec<(&str, &str)> = told.iter().map(|(p, c)| (*p, c.as_str())).collect();
    let case = Case::files("hatch-told", &told);
    let out = case.dgen(&["init", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(case.read("dgen.toml").contains("install_project = true"));
    // A name that matches its package needs no telling.
    let mut matching: Vec<(&str, &str)> = files.to_vec();
    matching[0].1 = "[project]\nname = \"todo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"litestar>=2.13,<3\", \"uvicorn>=0.32\"]\n\n[build-system]\nrequires = [\"flit_core>=3.9\"]\nbuild-backend = \"flit_core.buildapi\"\n";
    let case = Case::files("flit-match", &matching);
    let out = case.dgen(&["init", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(case.read("dgen.toml").contains("install_project = true"));
}

/// A hand-written pdm.lock in PDM's format (lock_version 4.5, `inherit_metadata`).
const PDM_LOCK: &str = r#"# This file is @generated by PDM.
[metadata]
groups = ["default", "dev"]
strategy = ["inherit_metadata"]
lock_version = "4.5.0"
content_hash = "sha256:00"

[[metadata.targets]]
requires_python = ">=3.12"

[[package]]
name = "flask"
version = "3.1.3"
requires_python = ">=3.9"
summary = "A simple framework for building complex web applications."
groups = ["default"]
dependencies = ["werkzeug>=3.1"]
files = [
    {file = "flask-3.1.3-py3-none-any.whl", hash = "sha256:aa"},
    {file = "flask-3.1.3.tar.gz", hash = "sha256:bb"},
]

[[package]]
name = "gunicorn"
version = "23.0.0"
requires_python = ">=3.7"
summary = "WSGI HTTP Server for UNIX"
groups = ["default"]
marker = "sys_platform != \"win32\""
files = [
    {file = "gunicorn-23.0.0-py3-none-any.whl", hash = "sha256:cc"},
]

[[package]]
name = "pytest"
version = "8.3.5"
summary = "pytest: simple powerful testing with Python"
groups = ["dev"]
files = [
    {file = "pytest-8.3.5-py3-none-any.whl", hash = "sha256:dd"},
]
"#;

#[test]
fn a_pdm_lock_is_installed_with_its_hashes_and_old_locks_are_refused() {
    let pyproject = "[project]\nname = \"pdm-web\"\nversion = \"0.1.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"flask==3.1.3\", \"gunicorn==23.0.0\"]\n[dependency-groups]\ndev = [\"pytest==8.3.5\"]\n[tool.pdm]\ndistribution = false\n";
    let app = "from flask import Flask\n\napp = Flask(__name__)\n";
    let case = Case::files(
        "pdm-web",
        &[
            ("pyproject.toml", pyproject),
            ("pdm.lock", PDM_LOCK),
            ("app.py", app),
        ],
    );
    let (m, stderr) = case.init_and_render();
    let python = m.python.unwrap();
    assert_eq!(
        python.package_manager,
        dgen::stacks::python::PythonPackageManager::Pip
    );
    assert_eq!(python.requirements, "pdm.lock");
    assert!(!python.install_project, "distribution = false");
    assert!(!stderr.contains("pdm export"), "{stderr}");
    let steps = instructions(&case.read("Dockerfile"));
    let copy = position(&steps, "COPY pdm.lock ./");
    let install = position(&steps, "groups = {\"default\", *sys.argv[2:]}");
    let source = position(&steps, "COPY app.py ./app.py");
    assert!(copy < install && install < source);
    assert!(steps[install].contains("pdm.lock > /tmp/requirements.txt"));

    // The one-liner, run on the lock, gives the default group pinned, with markers and hashes.
    let line = &steps[install];
    let start = line.find("python -c '").unwrap() + "python -c '".len();
    let code = &line[start..start + line[start..].find("' pdm.lock").unwrap()];
    if let Ok(out) = Command::new("python3")
        .args(["-c", "import sys, tomllib"])
        .output()
        && out.status.success()
    {
        let out = Command::new("python3")
            .args(["-c", code, "pdm.lock"])
            .current_dir(&case.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "flask==3.1.3 --hash=sha256:aa --hash=sha256:bb\ngunicorn==23.0.0 ; sys_platform != \"win32\" --hash=sha256:cc\n"
        );
    }

    // An older lock without per-package groups: init says how to relock, writes nothing.
    let old = PDM_LOCK
        .replace("groups = [\"default\"]\n", "")
        .replace("groups = [\"dev\"]\n", "")
        .replace("strategy = [\"inherit_metadata\"]\n", "");
    let case = Case::files(
        "pdm-old",
        &[
            ("pyproject.toml", pyproject),
            ("pdm.lock", &old),
            ("app.py", app),
        ],
    );
    let stderr = case.init_refused();
    assert!(
        stderr.contains("does not say which group each package belongs to"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pdm lock --strategy inherit_metadata"),
        "{stderr}"
    );
}

#[test]
fn uv_and_poetry_packages_are_installed_after_their_locked_dependencies() {
    // uv: a hatchling package in a src/ layout with a console script, locked with uv.lock.
    let uv = Case::files(
        "shoplist",
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"shoplist\"\nversion = \"0.3.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"flask>=3\", \"gunicorn>=22\"]\n\n[project.scripts]\nshoplist-admin = \"shoplist.admin:main\"\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
            ),
            ("uv.lock", "version = 1\nrequires-python = \">=3.12\"\n"),
            (
                "src/shoplist/__init__.py",
                "from flask import Flask\n\napp = Flask(__name__)\n\n@app.get(\"/healthz\")\ndef healthz():\n    return \"ok\"\n",
            ),
            (
                "src/shoplist/admin.py",
                "def main():\n    print(\"admin\")\n",
            ),
        ],
    );
    let (m, _) = uv.init_and_render();
    let python = m.python.unwrap();
    assert_eq!(
        python.package_manager,
        dgen::stacks::python::PythonPackageManager::Uv
    );
    assert!(python.install_project);
    let dockerfile = uv.read("Dockerfile");
    let steps = instructions(&dockerfile);
    let deps = position(&steps, "uv sync --frozen --no-dev --no-install-project");
    let stage = position(&steps, "FROM builder AS project");
    let wheel = position(
        &steps,
        "pip wheel --no-deps --no-build-isolation --no-index",
    );
    let runtime = steps
        .iter()
        .rposition(|s| s.starts_with("FROM python:"))
        .unwrap();
    // uv's environment has no pip: the base image's pip installs into it, and checks it.
    let install = position(
        &steps,
        "pip --python /opt/venv/bin/python install --no-cache-dir --no-deps --no-index",
    );
    assert!(
        steps[install].contains("&& pip --python /opt/venv/bin/python check"),
        "{}",
        steps[install]
    );
    assert!(deps < stage && stage < wheel && wheel < runtime && runtime < install);
    for step in &steps[..stage] {
        assert!(
            !step.contains("COPY src"),
            "no source before the dependencies: {step}"
        );
    }
    assert_eq!(uv.dgen(&["check"]).status.code(), Some(0));

    // poetry: the pre-PEP 621 layout, its package named in [tool.poetry] packages.
    let poetry_project = "[tool.poetry]\nname = \"orders-api\"\nversion = \"1.2.0\"\ndescription = \"Orders\"\nauthors = [\"Team <team@example.com>\"]\npackages = [{ include = \"api\" }]\n\n[tool.poetry.dependencies]\npython = \"^3.12\"\nfastapi = \">=0.110\"\nuvicorn = \">=0.29\"\n\n[build-system]\nrequires = [\"poetry-core>=1.9\"]\nbuild-backend = \"poetry.core.masonry.api\"\n";
    let files = [
        ("pyproject.toml", poetry_project),
        (
            "poetry.lock",
            "[metadata]\nlock-version = \"2.1\"\npython-versions = \"^3.12\"\ncontent-hash = \"0\"\n",
        ),
        ("api/__init__.py", ""),
        (
            "api/main.py",
            "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get(\"/healthz\")\ndef healthz():\n    return {}\n",
        ),
    ];
    let poetry = Case::files("orders", &files);
    let (m, _) = poetry.init_and_render();
    assert!(m.python.unwrap().install_project);
    let steps = instructions(&poetry.read("Dockerfile"));
    let deps = position(&steps, "poetry install --only main --no-root");
    let stage = position(&steps, "FROM builder AS project");
    let install = position(&steps, "pip install --no-cache-dir --no-deps --no-index");
    assert!(deps < stage && stage < install);
    assert!(steps[install].contains("&& pip check"));

    // Without `packages`, poetry-core looks for a package named after the project: none here,
    // so the app runs from its sources, and init says how to make it a package.
    let unnamed = poetry_project.replace("packages = [{ include = \"api\" }]\n", "");
    let mut files = files;
    files[0].1 = &unnamed;
    let case = Case::files("orders-unnamed", &files);
    let out = case.dgen(&["init", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!case.read("dgen.toml").contains("install_project"));
    assert!(
        stderr.contains("poetry-core looks for a package named after the project `orders-api`")
            && stderr.contains("src/orders_api/__init__.py"),
        "{stderr}"
    );

    // Optional dependency groups are pip's: uv and poetry install their lock's main group.
    let manifest = poetry.read("dgen.toml").replace(
        "install_project = true",
        "install_project = true\noptional_dependencies = [\"extra\"]",
    );
    std::fs::write(poetry.dir.join("dgen.toml"), manifest).unwrap();
    let out = poetry.dgen(&["render"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("optional_dependencies apply to package_manager = \"pip\" only"),
        "{stderr}"
    );
}
