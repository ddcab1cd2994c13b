//! Cross-compiling the Rust build stage for `[image] platforms`: the builder runs on
//! `$BUILDPLATFORM` and compiles for each target with a Debian cross linker, so no target needs
//! emulation. Each platform maps to the glibc target triple of the final image (distroless cc and
//! Debian slim are both glibc) and to the Debian packages of its cross C toolchain.

use serde::Serialize;

use super::RustRuntime;

/// How one target platform is compiled for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrossTarget {
    /// `$TARGETARCH$TARGETVARIANT` as BuildKit sets them for the platform (`arm64`, `armv7`).
    pub key: &'static str,
    /// The Rust target triple (`rustup target add`, `cargo build --target`).
    pub triple: &'static str,
    /// The GNU triplet prefix of Debian's cross tools (`aarch64-linux-gnu-gcc`).
    pub gnu: &'static str,
    /// The Debian package of the cross C compiler, without its version.
    pub gcc_package: &'static str,
    /// The Debian package of the target's C library for linking (`libc6-dev-arm64-cross`),
    /// without its version.
    pub libc_package: &'static str,
    /// The target's Debian architecture (`dpkg --add-architecture`, `libssl-dev:arm64`).
    pub deb: &'static str,
    /// The target's multiarch library folder under /usr/lib (its pkg-config files).
    pub multiarch: &'static str,
}

/// The versions of Debian 12's cross compilers (gcc-defaults) and cross C libraries
/// (cross-toolchain-base) the build stage installs: the build image is Debian 12 (bookworm), like
/// the final images, so the binary links against the glibc the final image has (P13: pinned).
pub const GCC_CROSS_VERSION: &str = "4:12.2.*";
/// See [`GCC_CROSS_VERSION`].
pub const LIBC_CROSS_VERSION: &str = "2.36-*";

const fn target(
    key: &'static str,
    triple: &'static str,
    gnu: &'static str,
    gcc_package: &'static str,
    libc_package: &'static str,
    [deb, multiarch]: [&'static str; 2],
) -> CrossTarget {
    CrossTarget {
        key,
        triple,
        gnu,
        gcc_package,
        libc_package,
        deb,
        multiarch,
    }
}

/// The target for `platform`, or why the Rust stack cannot build an image for it.
pub fn target_for(platform: &str, runtime: RustRuntime) -> Result<CrossTarget, String> {
    Ok(match platform {
        "linux/amd64" => target(
            "amd64",
            "x86_64-unknown-linux-gnu",
            "x86_64-linux-gnu",
            "gcc-x86-64-linux-gnu",
            "libc6-dev-amd64-cross",
            ["amd64", "x86_64-linux-gnu"],
        ),
        "linux/arm64" => target(
            "arm64",
            "aarch64-unknown-linux-gnu",
            "aarch64-linux-gnu",
            "gcc-aarch64-linux-gnu",
            "libc6-dev-arm64-cross",
            ["arm64", "aarch64-linux-gnu"],
        ),
        "linux/arm/v7" => target(
            "armv7",
            "armv7-unknown-linux-gnueabihf",
            "arm-linux-gnueabihf",
            "gcc-arm-linux-gnueabihf",
            "libc6-dev-armhf-cross",
            ["armhf", "arm-linux-gnueabihf"],
        ),
        "linux/ppc64le" => target(
            "ppc64le",
            "powerpc64le-unknown-linux-gnu",
            "powerpc64le-linux-gnu",
            "gcc-powerpc64le-linux-gnu",
            "libc6-dev-ppc64el-cross",
            ["ppc64el", "powerpc64le-linux-gnu"],
        ),
        "linux/s390x" => target(
            "s390x",
            "s390x-unknown-linux-gnu",
            "s390x-linux-gnu",
            "gcc-s390x-linux-gnu",
            "libc6-dev-s390x-cross",
            ["s390x", "s390x-linux-gnu"],
        ),
        "linux/386" if runtime == RustRuntime::DebianSlim => target(
            "386",
            "i686-unknown-linux-gnu",
            "i686-linux-gnu",
            "gcc-i686-linux-gnu",
            "libc6-dev-i386-cross",
            ["i386", "i386-linux-gnu"],
        ),
        "linux/386" => {
            return Err(
                "gcr.io/distroless/cc-debian12 is not published for linux/386; set [rust] runtime = \"debian-slim\" (debian:bookworm-slim is, and the build cross-compiles for i686-unknown-linux-gnu)"
                    .to_owned(),
            );
        }
        "linux/arm/v6" => {
            return Err(
                "the final images are not published for linux/arm/v6, and Debian's ARM hard-float libc (armhf), the only one its cross toolchain links against, needs ARMv7"
                    .to_owned(),
            );
        }
        "linux/riscv64" => {
            return Err(
                "the final images (gcr.io/distroless/cc-debian12, debian:bookworm-slim) are not published for linux/riscv64: Debian 12 does not release riscv64"
                    .to_owned(),
            );
        }
        other => return Err(format!("no Rust target is known for {other}")),
    })
}

/// The build packages (`[app] build_packages`, name and version pattern) that are C libraries a
/// crate may link (`-dev` packages, not libc's): a cross build installs them for the target's
/// architecture too, next to the build machine's.
pub fn target_libraries(
    build_packages: &std::collections::BTreeMap<String, String>,
) -> Vec<(String, String)> {
    build_packages
        .iter()
        .filter(|(name, _)| name.ends_with("-dev") && name.as_str() != "libc6-dev")
        .map(|(name, version)| (name.clone(), version.clone()))
        .collect()
}

/// The targets of the manifest's platforms that the stack can build (the others are refused by
/// validation), in the manifest's order.
pub fn targets(platforms: &[String], runtime: RustRuntime) -> Vec<CrossTarget> {
    platforms
        .iter()
        .filter_map(|p| target_for(p, runtime).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_platform_maps_to_a_glibc_triple_or_is_refused() {
        for platform in crate::manifest::buildopts::PLATFORMS {
            for runtime in [RustRuntime::Distroless, RustRuntime::DebianSlim] {
                match target_for(platform, runtime) {
                    Ok(t) => {
                        assert!(t.triple.contains("-linux-gnu"), "{platform}: {t:?}");
                        assert!(t.gcc_package.starts_with("gcc-"), "{t:?}");
                        assert!(
                            t.libc_package.starts_with("libc6-dev-")
                                && t.libc_package.ends_with("-cross"),
                            "{t:?}"
                        );
                        // The key is what BuildKit's TARGETARCH and TARGETVARIANT concatenate to.
                        let mut parts = platform.split('/').skip(1);
                        let key = parts.next().unwrap().to_owned() + parts.next().unwrap_or("");
                        assert_eq!(t.key, key, "{platform}");
                    }
                    Err(why) => assert!(
                        ["linux/arm/v6", "linux/riscv64", "linux/386"].contains(platform)
                            && !why.is_empty(),
                        "{platform}: {why}"
                    ),
                }
            }
        }
        assert!(target_for("linux/386", RustRuntime::Distroless).is_err());
        assert_eq!(
            target_for("linux/386", RustRuntime::DebianSlim)
                .unwrap()
                .triple,
            "i686-unknown-linux-gnu"
        );
    }
}
