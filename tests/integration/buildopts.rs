//! Build secrets (`[secrets.ID]`) and target platforms (`[image] platforms`): where they show in
//! the Dockerfile, compose.build.yaml, the CI workflow and README.Docker.md, and what is refused.

use crate::common;

use common::{file, instructions, python, refusals, render};
use dgen::render::FileKind;

fn dockerfile(text: &str) -> String {
    file(&render(text), FileKind::Dockerfile)
}

const NODE: &str = "name = \"web\"\nstack = \"node\"\n\n[app]\ncommand = [\"node\", \"server.js\"]\nports = [3000]\nsources = [\"server.js\"]\n";
const GO: &str = "name = \"svc\"\nstack = \"go\"\n\n[app]\ncommand = [\"svc\"]\nports = [8080]\nsources = [\"main.go\"]\n";

#[test]
fn secrets_are_mounted_only_in_the_install_run() {
    for (manager, extra) in [
        ("pip", ""),
        ("uv", "\n[python]\npackage_manager = \"uv\"\n"),
        ("poetry", "\n[python]\npackage_manager = \"poetry\"\n"),
    ] {
        let text = python(&format!(
            "{extra}\n[secrets.corp-pypi]\nkind = \"netrc\"\nenv = \"CORP_NETRC\"\n"
        ));
        let df = dockerfile(&text);
        let with_secret: Vec<_> = instructions(&df)
            .into_iter()
            .filter(|i| i.contains("corp-pypi") || i.contains("CORP_NETRC"))
            .collect();
        assert_eq!(with_secret.len(), 1, "{manager}: {df}");
        let run = &with_secret[0];
        assert!(
            run.starts_with("RUN ")
                && run
                    .contains("--mount=type=secret,id=corp-pypi,target=/root/.netrc,required=true")
                && run.contains("install"),
            "{manager}: {run}"
        );
        // Never as ENV or ARG, and never the variable's name (the value is read by the client).
        assert!(!df.contains("CORP_NETRC"), "{manager}");
        assert!(
            instructions(&df)
                .iter()
                .filter(|i| i.starts_with("ENV ") || i.starts_with("ARG "))
                .all(|i| !i.contains("netrc") && !i.contains("secret")),
            "{manager}"
        );
    }
}

#[test]
fn pip_index_url_is_read_from_the_secret_file_for_the_one_command() {
    let df = dockerfile(&python(
        "\n[secrets.pypi]\nkind = \"index-url\"\nfile = \"secrets/index-url\"\n",
    ));
    let run = instructions(&df)
        .into_iter()
        .find(|i| i.contains("pip install"))
        .unwrap();
    assert!(
        run.contains("--mount=type=secret,id=pypi,required=true")
            && run.contains("PIP_INDEX_URL=\"$(cat /run/secrets/pypi)\" pip install"),
        "{run}"
    );
    assert!(!df.contains("ENV PIP_INDEX_URL") && !df.contains("ARG PIP_INDEX_URL"));
    // A relative secret file is kept out of the build context.
    let ignore = file(
        &render(&python(
            "\n[secrets.pypi]\nkind = \"index-url\"\nfile = \"./ci/index-url.txt\"\n",
        )),
        FileKind::DockerIgnore,
    );
    assert!(ignore.lines().any(|l| l == "ci/index-url.txt"), "{ignore}");
}

#[test]
fn npmrc_secret_reaches_npm_yarn_and_pnpm_installs() {
    for manager in ["npm", "yarn", "pnpm"] {
        let text = format!(
            "{NODE}\n[node]\npackage_manager = \"{manager}\"\nbuild = [\"{manager}\", \"run\", \"build\"]\noutput = \"dist\"\n\n[secrets.npm]\nkind = \"npmrc\"\nenv = \"NPM_RC\"\n"
        );
        let df = dockerfile(&text);
        let installs: Vec<_> = instructions(&df)
            .into_iter()
            .filter(|i| i.contains("--mount=type=secret"))
            .collect();
        // The production install and the build stage's full install.
        assert_eq!(installs.len(), 2, "{manager}: {df}");
        for run in &installs {
            assert!(
                run.contains("--mount=type=secret,id=npm,target=/root/.npmrc,required=true"),
                "{manager}: {run}"
            );
            assert!(!run.contains("npm install --global"), "{manager}: {run}");
        }
    }
}

#[test]
fn compose_build_readme_and_ci_pass_the_secrets() {
    let text = python(
        "\n[image]\nplatforms = [\"linux/amd64\", \"linux/arm64\"]\n\n[secrets.pypi]\nkind = \"index-url\"\nenv = \"PIP_INDEX_URL\"\n\n[secrets.netrc]\nkind = \"netrc\"\nfile = \"secrets/netrc\"\n\n[ci]\n",
    );
    let files = render(&text);
    let compose = file(&files, FileKind::Compose);
    assert!(
        !compose.contains("secrets:") && !compose.contains("platforms"),
        "compose.yaml must stay valid for docker-compose 1.x: {compose}"
    );
    let build = file(&files, FileKind::ComposeBuild);
    let yaml = &yaml_rust2::YamlLoader::load_from_str(&build).unwrap()[0];
    let service = &yaml["services"]["demo"]["build"];
    assert_eq!(
        service["secrets"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["netrc", "pypi"]
    );
    assert_eq!(
        service["platforms"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["linux/amd64", "linux/arm64"]
    );
    assert_eq!(
        yaml["secrets"]["pypi"]["environment"].as_str(),
        Some("PIP_INDEX_URL")
    );
    assert_eq!(
        yaml["secrets"]["netrc"]["file"].as_str(),
        Some("secrets/netrc")
    );
    let readme = file(&files, FileKind::ReadmeDocker);
    assert!(
        readme.contains(
            "docker build --secret id=netrc,src=secrets/netrc --secret id=pypi,env=PIP_INDEX_URL --tag demo ."
        ),
        "{readme}"
    );
    assert!(readme.contains("docker buildx build --platform linux/amd64,linux/arm64"));
    let ci = file(&files, FileKind::CiWorkflow);
    assert!(
        ci.contains("docker buildx build --platform linux/amd64,linux/arm64 --secret id=netrc,env=BUILD_SECRET_NETRC --secret id=pypi,env=PIP_INDEX_URL .")
            && ci.contains("BUILD_SECRET_NETRC: ${{ secrets.BUILD_SECRET_NETRC }}")
            && ci.contains("docker/setup-buildx-action@v3"),
        "{ci}"
    );
    // Without secrets and platforms there is no compose.build.yaml.
    assert!(
        render(&python(""))
            .iter()
            .all(|f| f.kind != FileKind::ComposeBuild)
    );
}

#[test]
fn go_cross_compiles_on_the_build_platform() {
    let df = dockerfile(&format!(
        "{GO}\n[image]\nplatforms = [\"linux/amd64\", \"linux/arm64\", \"linux/arm/v7\"]\n"
    ));
    let all = instructions(&df);
    assert!(
        all[0].starts_with("FROM --platform=$BUILDPLATFORM golang:"),
        "{}",
        all[0]
    );
    for arg in ["ARG TARGETOS", "ARG TARGETARCH", "ARG TARGETVARIANT"] {
        assert!(all.iter().any(|i| i == arg), "{arg}: {df}");
    }
    let builds: Vec<_> = all.iter().filter(|i| i.contains("go build")).collect();
    assert!(!builds.is_empty());
    for build in builds {
        assert!(
            build.contains("GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} go build"),
            "{build}"
        );
    }
    // The final stage stays on the target platform.
    let last_from = all.iter().rfind(|i| i.starts_with("FROM ")).unwrap();
    assert!(!last_from.contains("--platform"), "{last_from}");
    // Without platforms, nothing changes.
    let plain = dockerfile(GO);
    assert!(!plain.contains("BUILDPLATFORM") && !plain.contains("TARGETARCH"));
}

#[test]
fn java_and_static_builds_run_on_the_build_platform() {
    let java = "name = \"api\"\nstack = \"java\"\n\n[app]\ncommand = [\"java\", \"-jar\", \"app.jar\"]\nports = [8080]\nsources = [\"src\"]\n\n[image]\nplatforms = [\"linux/arm64\"]\n";
    let df = dockerfile(java);
    let froms: Vec<_> = instructions(&df)
        .into_iter()
        .filter(|i| i.starts_with("FROM "))
        .collect();
    assert!(
        froms[0].starts_with("FROM --platform=$BUILDPLATFORM "),
        "{froms:?}"
    );
    assert!(!froms.last().unwrap().contains("--platform"), "{froms:?}");
}

#[test]
fn bad_secrets_and_platforms_are_refused() {
    let cases = [
        (
            "[secrets.\"bad id!\"]\nkind = \"netrc\"\nenv = \"X\"\n",
            "secret-id",
        ),
        ("[secrets.a]\nkind = \"netrc\"\n", "secret-source"),
        (
            "[secrets.a]\nkind = \"netrc\"\nenv = \"X\"\nfile = \"f\"\n",
            "secret-source",
        ),
        (
            "[secrets.a]\nkind = \"netrc\"\nenv = \"1X\"\n",
            "secret-env",
        ),
        (
            "[secrets.a]\nkind = \"netrc\"\nfile = \"~/.netrc\"\n",
            "secret-file",
        ),
        (
            "[secrets.a]\nkind = \"netrc\"\nfile = \"a,b\"\n",
            "secret-file",
        ),
        (
            "[secrets.a]\nkind = \"npmrc\"\nenv = \"X\"\n",
            "secret-kind",
        ),
        (
            "[python]\npackage_manager = \"uv\"\n\n[secrets.a]\nkind = \"index-url\"\nenv = \"X\"\n",
            "secret-kind",
        ),
        (
            "[secrets.a]\nkind = \"netrc\"\nenv = \"X\"\n\n[secrets.b]\nkind = \"netrc\"\nenv = \"Y\"\n",
            "secret-kind",
        ),
        ("[image]\nplatforms = [\"windows/amd64\"]\n", "platform"),
        (
            "[image]\nplatforms = [\"linux/arm64\", \"linux/arm64\"]\n",
            "platform",
        ),
        ("[ci]\nlock_update = \"every monday\"\n", "ci-cron"),
    ];
    for (extra, code) in cases {
        let got = refusals(&python(&format!("\n{extra}")));
        assert!(got.contains(&code), "{extra}: {got:?}");
    }
    let go_secret = refusals(&format!(
        "{GO}\n[secrets.a]\nkind = \"netrc\"\nenv = \"X\"\n"
    ));
    assert_eq!(go_secret, ["secret-kind"]);
    // Each stack says which secrets its installs take: npm's for node, and for a static site
    // only when it has a build.
    let site = "name = \"site\"\nstack = \"static\"\n\n[app]\nports = [8080]\nsources = [\"index.html\"]\n";
    let npmrc = "\n[secrets.a]\nkind = \"npmrc\"\nenv = \"X\"\n";
    assert_eq!(refusals(&format!("{site}{npmrc}")), ["secret-kind"]);
    assert!(refusals(&format!("{NODE}{npmrc}")).is_empty());
    assert_eq!(
        refusals(&format!(
            "{NODE}\n[secrets.a]\nkind = \"netrc\"\nenv = \"X\"\n"
        )),
        ["secret-kind"]
    );
}

#[test]
fn hostile_secret_values_cannot_reach_the_files_raw() {
    // Ids and env names are refused unless plain; file paths that would break the --secret CSV,
    // the shell or a .dockerignore pattern are refused.
    for file_value in ["a\\\"b", "a$b", "a`b", "a*b", "#x", "!x"] {
        let text = python(&format!(
            "\n[secrets.a]\nkind = \"netrc\"\nfile = \"{file_value}\"\n"
        ));
        assert_eq!(refusals(&text), ["secret-file"], "{file_value}");
    }
    let text = python("\n[secrets.a]\nkind = \"netrc\"\nfile = \"my secrets/netrc\"\n");
    let readme = file(&render(&text), FileKind::ReadmeDocker);
    assert!(
        readme.contains("--secret id=a,src='my secrets/netrc'"),
        "{readme}"
    );
}
