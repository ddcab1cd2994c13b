//! The .NET stack's output embodies the practices of the catalogue (PRACTICES.md), plus what the
//! .NET stack promises beyond them: `dotnet restore` of the project files before the sources, an
//! SDK build stage and the aspnet runtime, the image's non-root app user, Kestrel on
//! `ASPNETCORE_HTTP_PORTS`, a health check without curl, and refusals for hostile values.
//! P01 (hadolint) is judged on examples/dotnet-minimal-api by `tests/judges/run.sh`.

use crate::common;

use common::{
    assert_ignores, assert_no_add, assert_no_consecutive_runs, assert_renders_identically,
    build_stage, exposed, final_commands, final_copies, final_stage, froms, outputs, refusals,
    starting_with,
};

fn dotnet(extra: &str, dotnet: &str) -> String {
    format!(
        "name = \"shop\"\nstack = \"dotnet\"\n\n[app]\ncommand = [\"dotnet\", \"Shop.Api.dll\"]\nports = [8080]\nsources = [\"src\"]\n{extra}\n[dotnet]\nproject = \"src/Shop.Api/Shop.Api.csproj\"\n{dotnet}"
    )
}

fn default_outputs() -> (String, String, String) {
    outputs(
        &(dotnet(
            "",
            "restore_files = [\"Directory.Build.props\", \"src/Shop.Core/Shop.Core.csproj\"]\n",
        ) + "\n[healthcheck]\npath = \"/healthz\"\n"),
    )
}

#[test]
fn p02_p03_sdk_build_stage_and_aspnet_runtime() {
    let (dockerfile, _, compose) = default_outputs();
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build",
            "FROM mcr.microsoft.com/dotnet/aspnet:8.0"
        ]
    );
    assert_eq!(
        final_commands(&dockerfile),
        ["CMD [\"dotnet\", \"Shop.Api.dll\"]"]
    );
    assert_eq!(final_copies(&dockerfile), ["COPY --from=build /app ./"]);
    assert_eq!(compose.matches("build:").count(), 1);
    let (dockerfile, _, _) = outputs(&dotnet("", "version = \"9.0\"\n"));
    assert!(dockerfile.contains("FROM mcr.microsoft.com/dotnet/aspnet:9.0\n"));
}

#[test]
fn p04_dockerignore_keeps_out_build_output_and_user_secrets() {
    let (_, ignore, _) = default_outputs();
    assert_ignores(
        &ignore,
        &["**/bin", "**/obj", "**/secrets.json", ".env", ".git"],
    );
}

#[test]
fn p05_versions_refused() {
    for version in ["latest", "6.0", "8", "8.0.1", "lts"] {
        assert_eq!(
            refusals(&dotnet("", &format!("version = \"{version}\"\n"))),
            ["dotnet-version"],
            "{version}"
        );
    }
}

#[test]
fn p06_ports_exposed_and_given_to_kestrel() {
    let (dockerfile, _, _) = outputs(&dotnet("", "").replace("[8080]", "[8080, 8081]"));
    assert_eq!(exposed(&dockerfile), ["EXPOSE 8080", "EXPOSE 8081"]);
    assert!(
        final_stage(&dockerfile).contains(&"ENV ASPNETCORE_HTTP_PORTS=\"8080;8081\"".to_owned())
    );
    assert_eq!(
        refusals(&dotnet("", "").replace("[8080]", "[80]")),
        ["dotnet-port"]
    );
    assert!(refusals(&dotnet("", "").replace("[8080]", "[]")).contains(&"dotnet-port"));
}

#[test]
fn p09_restore_from_the_project_files_before_the_sources() {
    let (dockerfile, _, _) = default_outputs();
    let build = build_stage(&dockerfile);
    let copies = starting_with(build.clone(), &["COPY "]);
    assert_eq!(
        copies[..3],
        [
            "COPY src/Shop.Api/Shop.Api.csproj ./src/Shop.Api/",
            "COPY Directory.Build.props ./",
            "COPY src/Shop.Core/Shop.Core.csproj ./src/Shop.Core/"
        ]
    );
    let restore = build
        .iter()
        .position(|i| i.contains("dotnet restore \"src/Shop.Api/Shop.Api.csproj\""))
        .unwrap();
    let sources = build.iter().position(|i| i == "COPY src ./src").unwrap();
    let publish = build
        .iter()
        .position(|i| {
            i.contains(
                "dotnet publish \"src/Shop.Api/Shop.Api.csproj\" -c Release -o /app --no-restore",
            )
        })
        .unwrap();
    assert!(restore < sources && sources < publish);
}

#[test]
fn p10_nuget_packages_on_a_cache_mount() {
    let (dockerfile, _, _) = default_outputs();
    for run in starting_with(build_stage(&dockerfile), &["RUN "]) {
        assert!(
            run.starts_with("RUN --mount=type=cache,target=/root/.nuget/packages "),
            "{run}"
        );
    }
}

#[test]
fn p11_copy_never_add_no_consecutive_runs() {
    let (dockerfile, _, _) = default_outputs();
    assert_no_add(&dockerfile);
    assert_no_consecutive_runs(&dockerfile);
    let (dockerfile, _, _) = outputs(&dotnet(
        "system_packages = { libgdiplus = \"6.*\" }\nwritable = [\"data\"]\n",
        "",
    ));
    assert_no_consecutive_runs(&dockerfile);
}

#[test]
fn p15_the_images_app_user_by_uid() {
    let (dockerfile, _, _) = default_outputs();
    let last = final_stage(&dockerfile);
    assert!(last.contains(&"USER 1654".to_owned()), "{dockerfile}");
    assert!(!dockerfile.contains("useradd"));
    assert_eq!(
        refusals(&dotnet("\n[user]\nuid = 10001\n", "")),
        ["dotnet-user"]
    );
    let (dockerfile, _, _) = outputs(&dotnet("writable = [\"data\"]\n", ""));
    assert!(
        dockerfile.contains("chown 1654:1654 /app/data"),
        "{dockerfile}"
    );
}

#[test]
fn p18_health_check_with_bash_not_curl() {
    let (dockerfile, _, compose) = default_outputs();
    let check = dockerfile
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("CMD [\"timeout\", \"5\", \"bash\", \"-c\"")
        })
        .expect("bash probe");
    assert!(check.ends_with(", \"8080\", \"/healthz\"]"), "{check}");
    assert!(check.contains("/dev/tcp/127.0.0.1/$0"));
    assert!(!dockerfile.contains("curl"));
    assert!(compose.contains("/dev/tcp/127.0.0.1/$$0"), "{compose}");
}

#[test]
fn hostile_project_paths_refused() {
    for settings in [
        "project = \"../Other/Other.csproj\"\n",
        "project = \"/abs/Api.csproj\"\n",
        "project = \"src/Api/Api.csproj; rm -rf /\"\n",
        "project = \"src/My Api/Api.csproj\"\n",
        "project = \"src/Api/Api.txt\"\n",
        "project = \"\"\n",
    ] {
        let text = dotnet("", "").replace("project = \"src/Shop.Api/Shop.Api.csproj\"\n", settings);
        assert_eq!(refusals(&text), ["dotnet-project"], "{settings}");
    }
    for file in ["../NuGet.config", "a b/c.props", "$(id)"] {
        assert_eq!(
            refusals(&dotnet("", &format!("restore_files = [\"{file}\"]\n"))),
            ["dotnet-restore-file"],
            "{file}"
        );
    }
}

#[test]
fn renders_identically() {
    assert_renders_identically(&dotnet("", ""), 3);
}
