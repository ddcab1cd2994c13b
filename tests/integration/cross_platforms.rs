//! `[image] platforms` for the Rust stack: the build stage runs on `$BUILDPLATFORM` and
//! cross-compiles for each target with Debian's cross linker. The setup step's shell is run here
//! for every platform, with stand-ins for rustc, apt-get and rustup, to check what it installs,
//! which triple and linker it records and the cargo config it writes.

use crate::common;

use common::{file, final_stage, froms, instructions, python, refusals, render};
use dgen::render::FileKind;

fn rust(runtime: &str, platforms: &str) -> String {
    format!(
        "name = \"web\"\nstack = \"rust\"\n\n[app]\ncommand = [\"web\"]\nports = [3000]\nsources = [\"src\"]\n\n[rust]\nruntime = \"{runtime}\"\n\n[healthcheck]\npath = \"/healthz\"\n\n[image]\nplatforms = [{platforms}]\n"
    )
}

fn dockerfile(text: &str) -> String {
    file(&render(text), FileKind::Dockerfile)
}

const ALL: &str = "\"linux/amd64\", \"linux/arm64\", \"linux/arm/v7\", \"linux/386\", \"linux/ppc64le\", \"linux/s390x\"";

#[test]
fn the_build_stage_runs_on_the_build_platform_and_builds_for_the_target() {
    let df = dockerfile(&rust("distroless", "\"linux/amd64\", \"linux/arm64\""));
    let all = instructions(&df);
    assert_eq!(
        froms(&df),
        [
            "FROM --platform=$BUILDPLATFORM rust:1.90-slim-bookworm AS build",
            "FROM gcr.io/distroless/cc-debian12:nonroot"
        ]
    );
    for arg in ["ARG TARGETPLATFORM", "ARG TARGETARCH", "ARG TARGETVARIANT"] {
        assert!(all.iter().any(|i| i == arg), "{arg}: {df}");
    }
    // The dependency layer (P09) and the app are both built for the target's triple.
    let builds: Vec<_> = all.iter().filter(|i| i.contains("cargo build")).collect();
    assert_eq!(builds.len(), 2, "{df}");
    assert!(
        builds[0].contains("echo 'fn main() {}' > src/main.rs")
            && builds[0]
                .contains("cargo build --release --locked --target \"$(cat /etc/rust-target)\""),
        "{}",
        builds[0]
    );
    assert!(
        builds[1].contains("cargo build --release --locked --target \"$triple\" --bin \"web\"")
            && builds[1].contains("cp \"target/$triple/release/web\" \"/out/web\""),
        "{}",
        builds[1]
    );
    // The registry cache is shared by the platforms' builds, which take turns (P10: a mount).
    for build in &builds {
        assert!(
            build.contains("--mount=type=cache,target=/usr/local/cargo/registry,sharing=locked"),
            "{build}"
        );
    }
    // The probe is compiled for the target too, with its linker.
    let probe = all
        .iter()
        .find(|i| i.contains("/tmp/healthcheck.rs") && i.contains("rustc "))
        .unwrap();
    assert!(
        probe
            .contains("--target \"$(cat /etc/rust-target)\" -C linker=\"$(cat /etc/rust-linker)\""),
        "{probe}"
    );
    // The final stage is the target platform's image: no --platform, the binaries from /out.
    let last = final_stage(&df);
    assert!(!last[0].contains("--platform"), "{}", last[0]);
    assert!(
        last.iter()
            .any(|i| i == "COPY --from=build /out/ /usr/local/bin/")
    );
    // Without platforms, nothing of it.
    let plain = dockerfile(&rust("distroless", "").replace("\n[image]\nplatforms = []\n", ""));
    for word in [
        "BUILDPLATFORM",
        "TARGETARCH",
        "rust-target",
        "--target",
        "sharing=locked",
    ] {
        assert!(!plain.contains(word), "{word}: {plain}");
    }
}

#[test]
fn platforms_without_a_rust_image_are_refused_with_the_reason() {
    for (runtime, platform, why) in [
        ("distroless", "linux/arm/v6", "ARMv7"),
        ("debian-slim", "linux/arm/v6", "ARMv7"),
        ("distroless", "linux/riscv64", "riscv64"),
        ("debian-slim", "linux/riscv64", "riscv64"),
        ("distroless", "linux/386", "runtime = \"debian-slim\""),
    ] {
        let text = rust(runtime, &format!("\"linux/amd64\", \"{platform}\""));
        assert_eq!(refusals(&text), ["platform"], "{runtime} {platform}");
        let message = match dgen::manifest::parse(&text, None) {
            Err(diagnostics) => diagnostics[0].message.clone(),
            Ok(_) => unreachable!(),
        };
        assert!(
            message.contains(platform) && message.contains(why),
            "{message}"
        );
    }
    assert!(refusals(&rust("debian-slim", ALL)).is_empty());
    assert!(refusals(&rust("distroless", &ALL.replace(", \"linux/386\"", ""))).is_empty());
}

/// Runs the build stage's setup RUN under `/bin/sh` with stand-ins for the tools it calls, on a
/// build machine whose rustc host is `host`, for BuildKit's `arch`/`variant`. Returns the exit
/// status, what apt-get and rustup were asked, the recorded triple and linker, and cargo's config.
struct Setup {
    ok: bool,
    dpkg: String,
    stderr: String,
    apt: String,
    rustup: String,
    triple: String,
    linker: String,
    config: String,
}

fn run_setup(run: &str, host: &str, arch: &str, variant: &str) -> Setup {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let bin = r.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(r.join("cargo")).unwrap();
    std::fs::create_dir_all(r.join("lists")).unwrap();
    let tools = [
        (
            "rustc",
            format!("printf 'rustc 1.90.0\\nhost: {host}\\nrelease: 1.90.0\\n'"),
        ),
        ("apt-get", format!("echo \"$*\" >> {}/apt.log", r.display())),
        (
            "rustup",
            format!("echo \"$*\" >> {}/rustup.log", r.display()),
        ),
        ("rm", format!("echo \"$*\" >> {}/rm.log", r.display())),
        ("dpkg", format!("echo \"$*\" >> {}/dpkg.log", r.display())),
    ];
    for (name, body) in tools {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = run
        .strip_prefix("RUN ")
        .unwrap()
        .replace("/etc/rust-", &format!("{}/rust-", r.display()))
        .replace("/var/lib/apt/lists/", &format!("{}/lists/", r.display()));
    let platform = format!(
        "linux/{arch}{}",
        if variant.is_empty() {
            String::new()
        } else {
            format!("/{variant}")
        }
    );
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("CARGO_HOME", r.join("cargo"))
        .env("TARGETPLATFORM", platform)
        .env("TARGETARCH", arch)
        .env("TARGETVARIANT", variant)
        .output()
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(r.join(name)).unwrap_or_default();
    Setup {
        ok: out.status.success(),
        dpkg: read("dpkg.log"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        apt: read("apt.log"),
        rustup: read("rustup.log"),
        triple: read("rust-target").trim().to_owned(),
        linker: read("rust-linker").trim().to_owned(),
        config: read("cargo/config.toml"),
    }
}

#[test]
fn the_setup_step_installs_the_cross_toolchain_only_when_the_target_differs() {
    // With C libraries among the build packages (openssl-sys needs libssl-dev and pkg-config).
    let text = rust("debian-slim", ALL).replace(
        "sources = [\"src\"]\n",
        "sources = [\"src\"]\nbuild_packages = { pkg-config = \"1.8.*\", libssl-dev = \"3.0.*\" }\n",
    );
    let df = dockerfile(&text);
    let setup = instructions(&df)
        .into_iter()
        .find(|i| i.starts_with("RUN case \"$TARGETARCH$TARGETVARIANT\""))
        .expect("the setup RUN");
    let known: String =
        std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
            .args(["--print", "target-list"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
    let cases = [
        (
            "amd64",
            "",
            "x86_64-unknown-linux-gnu",
            "x86_64-linux-gnu",
            "gcc-x86-64-linux-gnu",
            "amd64",
            "x86_64-linux-gnu",
        ),
        (
            "arm64",
            "",
            "aarch64-unknown-linux-gnu",
            "aarch64-linux-gnu",
            "gcc-aarch64-linux-gnu",
            "arm64",
            "aarch64-linux-gnu",
        ),
        (
            "arm",
            "v7",
            "armv7-unknown-linux-gnueabihf",
            "arm-linux-gnueabihf",
            "gcc-arm-linux-gnueabihf",
            "armhf",
            "arm-linux-gnueabihf",
        ),
        (
            "386",
            "",
            "i686-unknown-linux-gnu",
            "i686-linux-gnu",
            "gcc-i686-linux-gnu",
            "i386",
            "i386-linux-gnu",
        ),
        (
            "ppc64le",
            "",
            "powerpc64le-unknown-linux-gnu",
            "powerpc64le-linux-gnu",
            "gcc-powerpc64le-linux-gnu",
            "ppc64el",
            "powerpc64le-linux-gnu",
        ),
        (
            "s390x",
            "",
            "s390x-unknown-linux-gnu",
            "s390x-linux-gnu",
            "gcc-s390x-linux-gnu",
            "s390x",
            "s390x-linux-gnu",
        ),
    ];
    for host in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
        for (arch, variant, triple, gnu, gcc, deb, multiarch) in cases {
            let got = run_setup(&setup, host, arch, variant);
            assert!(got.ok, "{arch}{variant} on {host}: {}", got.stderr);
            assert_eq!(got.triple, triple);
            if !known.is_empty() {
                assert!(
                    known.lines().any(|l| l == triple),
                    "rustc knows no {triple}"
                );
            }
            if triple == host {
                // A native build: nothing installed, the default linker, no cargo config.
                assert_eq!(got.linker, "cc");
                assert!(got.apt.is_empty() && got.rustup.is_empty() && got.config.is_empty());
                assert!(got.dpkg.is_empty());
                continue;
            }
            assert_eq!(
                got.apt,
                format!(
                    "update\ninstall -y --no-install-recommends {gcc}=4:12.2.* libc6-dev-{deb}-cross=2.36-* libssl-dev:{deb}=3.0.*\n"
                ),
                "{arch}{variant} on {host}"
            );
            // The C library for the target's architecture (pkg-config is a build-machine tool).
            assert_eq!(got.dpkg, format!("--add-architecture {deb}\n"));
            assert_eq!(got.rustup, format!("target add {triple}\n"));
            assert_eq!(got.linker, format!("{gnu}-gcc"));
            let config: toml::Table = toml::from_str(&got.config).expect(&got.config);
            assert_eq!(
                config["target"][triple]["linker"].as_str(),
                Some(format!("{gnu}-gcc").as_str())
            );
            assert_eq!(
                config["env"][format!("CC_{triple}").as_str()].as_str(),
                Some(format!("{gnu}-gcc").as_str())
            );
            assert_eq!(
                config["env"][format!("AR_{triple}").as_str()].as_str(),
                Some(format!("{gnu}-ar").as_str())
            );
            assert_eq!(
                config["env"][format!("PKG_CONFIG_LIBDIR_{triple}").as_str()].as_str(),
                Some(format!("/usr/lib/{multiarch}/pkgconfig:/usr/share/pkgconfig").as_str())
            );
            assert_eq!(
                config["env"][format!("PKG_CONFIG_ALLOW_CROSS_{triple}").as_str()].as_str(),
                Some("1")
            );
        }
    }
    // x86-64 micro-architecture levels (linux/amd64/v2, …) build the same target.
    let got = run_setup(&setup, "aarch64-unknown-linux-gnu", "amd64", "v3");
    assert!(got.ok, "{}", got.stderr);
    assert_eq!(got.triple, "x86_64-unknown-linux-gnu");
    // A platform the manifest does not list stops the build with its name.
    let got = run_setup(&setup, "x86_64-unknown-linux-gnu", "riscv64", "");
    assert!(
        !got.ok && got.stderr.contains("linux/riscv64"),
        "{}",
        got.stderr
    );
    assert!(got.apt.is_empty() && got.triple.is_empty());
    // Only the platforms of the manifest are in the table.
    let two = dockerfile(&rust("distroless", "\"linux/arm64\""));
    let setup = instructions(&two)
        .into_iter()
        .find(|i| i.starts_with("RUN case"))
        .unwrap();
    assert!(!setup.contains("x86_64-unknown") && setup.contains("aarch64-unknown"));
    let got = run_setup(&setup, "aarch64-unknown-linux-gnu", "amd64", "");
    assert!(!got.ok && got.stderr.contains("linux/amd64"));
    // Without C libraries to build against, no foreign architecture is added.
    let got = run_setup(&setup, "x86_64-unknown-linux-gnu", "arm64", "");
    assert!(got.ok, "{}", got.stderr);
    assert!(got.dpkg.is_empty(), "{}", got.dpkg);
    assert_eq!(
        got.apt,
        "update\ninstall -y --no-install-recommends gcc-aarch64-linux-gnu=4:12.2.* libc6-dev-arm64-cross=2.36-*\n"
    );
}

/// The stage each `FROM` starts, with whether it runs on `$BUILDPLATFORM`, and the stage or image
/// it starts from.
fn stages(df: &str) -> Vec<(String, bool, String)> {
    froms(df)
        .iter()
        .enumerate()
        .map(|(i, from)| {
            let words: Vec<&str> = from.split_whitespace().collect();
            let build = words.contains(&"--platform=$BUILDPLATFORM");
            let base = words
                .iter()
                .find(|w| !w.starts_with("--") && **w != "FROM")
                .unwrap()
                .to_string();
            let name = match words.iter().position(|w| *w == "AS") {
                Some(at) => words[at + 1].to_owned(),
                None => format!("#{i}"),
            };
            (name, build, base)
        })
        .collect()
}

/// Whether `stage` runs on the build platform, itself or through the stage it starts from.
fn on_build_platform(all: &[(String, bool, String)], stage: &str) -> bool {
    let Some((_, build, base)) = all.iter().find(|(name, ..)| name == stage) else {
        return false;
    };
    *build || on_build_platform(all, base)
}

const TWO: &str = "\n[image]\nplatforms = [\"linux/amd64\", \"linux/arm64\"]\n";

#[test]
fn native_installs_run_on_the_target_platform_and_say_why() {
    let node = "name = \"web\"\nstack = \"node\"\n\n[app]\ncommand = [\"node\", \"dist/server.js\"]\nports = [3000]\nsources = [\"src\"]\n\n[node]\nbuild = [\"npm\", \"run\", \"build\"]\noutput = \"dist\"\n";
    let cases = [
        (node.to_owned(), vec!["deps", "build"], "native addons"),
        (python(""), vec!["builder"], "wheels with native code"),
        (
            python("\n[python]\npackage_manager = \"uv\"\n"),
            vec!["builder"],
            "wheels with native code",
        ),
    ];
    for (text, native, why) in cases {
        let df = dockerfile(&(text.clone() + TWO));
        let all = stages(&df);
        for stage in &native {
            assert!(
                all.iter().any(|(name, ..)| name == stage),
                "{stage}: {all:?}"
            );
            assert!(!on_build_platform(&all, stage), "{stage}: {df}");
        }
        assert!(!df.contains("BUILDPLATFORM") || df.contains("not on $BUILDPLATFORM"));
        assert!(df.contains(why), "{df}");
        // Without platforms the comment is not there: it speaks of [image] platforms.
        let plain = dockerfile(&text);
        assert!(!plain.contains(why) && !plain.contains("QEMU"), "{plain}");
    }
}

#[test]
fn platform_neutral_builds_run_on_the_build_platform() {
    let java = "name = \"api\"\nstack = \"java\"\n\n[app]\ncommand = [\"java\", \"-jar\", \"app.jar\"]\nports = [8080]\nsources = [\"src\"]\n";
    let dotnet = "name = \"shop\"\nstack = \"dotnet\"\n\n[app]\ncommand = [\"dotnet\", \"Shop.Api.dll\"]\nports = [8080]\nsources = [\"src\"]\n\n[dotnet]\nproject = \"src/Shop.Api/Shop.Api.csproj\"\n";
    let go = "name = \"svc\"\nstack = \"go\"\n\n[app]\ncommand = [\"svc\"]\nports = [8080]\nsources = [\"main.go\"]\n";
    for text in [java, dotnet, go, &rust("distroless", "")] {
        let text = text.replace("\n[image]\nplatforms = []\n", "") + TWO;
        let df = dockerfile(&text);
        let all = stages(&df);
        assert!(on_build_platform(&all, "build"), "{df}");
        // The final stage is the target's image.
        assert!(!all.last().unwrap().1, "{df}");
    }
    // .NET publishes for the target architecture from the build platform.
    let df = dockerfile(&(dotnet.to_owned() + TWO));
    let publish = instructions(&df)
        .into_iter()
        .find(|i| i.contains("dotnet publish"))
        .unwrap();
    assert!(publish.contains("-a \"$TARGETARCH\""), "{publish}");
}

#[test]
fn dotnet_refuses_platforms_without_an_aspnet_image() {
    let dotnet = "name = \"shop\"\nstack = \"dotnet\"\n\n[app]\ncommand = [\"dotnet\", \"Shop.Api.dll\"]\nports = [8080]\nsources = [\"src\"]\n\n[dotnet]\nproject = \"src/Shop.Api/Shop.Api.csproj\"\n";
    for platform in [
        "linux/386",
        "linux/ppc64le",
        "linux/s390x",
        "linux/riscv64",
        "linux/arm/v6",
    ] {
        let text = format!("{dotnet}\n[image]\nplatforms = [\"linux/amd64\", \"{platform}\"]\n");
        assert_eq!(refusals(&text), ["platform"], "{platform}");
    }
    let ok = format!(
        "{dotnet}\n[image]\nplatforms = [\"linux/amd64\", \"linux/arm64\", \"linux/arm/v7\"]\n"
    );
    assert!(refusals(&ok).is_empty());
}
