//! The Java stack's output embodies the practices of the catalogue (PRACTICES.md), one test per
//! practice ID, plus what the Java stack promises beyond them: Maven and Gradle (wrapper or
//! official tool image), a JDK build stage and a JRE runtime stage, the jar at one known path,
//! container-aware JVM options, and a one-class health-check probe.
//! P01 (hadolint) is judged on the examples by `tests/judges/run.sh`.

use crate::common;

use common::{
    assert_ignores, assert_no_add, assert_no_consecutive_runs, assert_probe,
    assert_renders_identically, build_stage, exposed, final_commands, final_runs, final_stage,
    froms, outputs, refusals, starting_with,
};

/// A minimal valid Java manifest, with `extra` appended to `[app]` and `java` to `[java]`.
fn java(extra: &str, java: &str) -> String {
    format!(
        "name = \"shop\"\nstack = \"java\"\n\n[app]\ncommand = [\"java\", \"-jar\", \"app.jar\"]\nports = [8080]\nsources = [\"src\"]\n{extra}\n[java]\nversion = \"21\"\n{java}"
    )
}

fn default_outputs() -> (String, String, String) {
    outputs(&(java("", "") + "\n[healthcheck]\npath = \"/actuator/health\"\n"))
}

#[test]
fn p02_one_app_per_container() {
    let (dockerfile, _, compose) = default_outputs();
    assert_eq!(
        final_commands(&dockerfile),
        ["CMD [\"java\", \"-jar\", \"app.jar\"]"]
    );
    assert_eq!(compose.matches("build:").count(), 1);
}

#[test]
fn p03_jdk_build_stage_and_jre_runtime_stage() {
    let (dockerfile, _, _) = default_outputs();
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM eclipse-temurin:21-jdk AS build",
            "FROM eclipse-temurin:21-jre"
        ]
    );
    let (dockerfile, _, _) = outputs(&java("", "wrapper = false\n"));
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM maven:3.9-eclipse-temurin-21 AS build",
            "FROM eclipse-temurin:21-jre"
        ]
    );
    let (dockerfile, _, _) = outputs(&java(
        "",
        "build_tool = \"gradle\"\nwrapper = false\ngradle_version = \"8.14.3\"\n",
    ));
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM gradle:8.14.3-jdk21 AS build",
            "FROM eclipse-temurin:21-jre"
        ]
    );
}

#[test]
fn p04_dockerignore_keeps_out_build_output() {
    let (_, ignore, _) = default_outputs();
    assert_ignores(
        &ignore,
        &[
            "target",
            "build",
            ".gradle",
            "**/*.class",
            ".git",
            ".env",
            "Dockerfile",
        ],
    );
    // The wrappers are build inputs.
    let lines: Vec<&str> = ignore.lines().collect();
    for kept in ["mvnw", ".mvn", "gradlew", "gradle"] {
        assert!(
            !lines.contains(&kept),
            "{kept} must reach the build context"
        );
    }
}

#[test]
fn p05_tagged_never_latest() {
    let digest = "sha256:".to_owned() + &"d".repeat(64);
    let (dockerfile, _, _) = outputs(&java(&format!("\n[image]\ndigest = \"{digest}\"\n"), ""));
    assert!(dockerfile.contains(&format!("FROM eclipse-temurin:21-jre@{digest}\n")));
    assert_eq!(
        refusals(&java("", "").replace("\"21\"", "\"latest\"")),
        ["version"]
    );
}

#[test]
fn p06_only_the_apps_ports() {
    let (dockerfile, _, _) = default_outputs();
    assert_eq!(exposed(&dockerfile), ["EXPOSE 8080"]);
}

#[test]
fn p09_dependencies_resolved_before_the_sources_are_copied() {
    for (settings, build_files, resolve, build) in [
        (
            "",
            "COPY mvnw pom.xml ./",
            "sh ./mvnw -B -ntp dependency:go-offline",
            "sh ./mvnw -B -ntp package -DskipTests",
        ),
        (
            "wrapper = false\n",
            "COPY pom.xml ./",
            "mvn -B -ntp dependency:go-offline",
            "mvn -B -ntp package -DskipTests",
        ),
        (
            "build_tool = \"gradle\"\n",
            "COPY gradlew settings.gradle* build.gradle* gradle.properties* ./",
            "sh ./gradlew --no-daemon dependencies",
            "sh ./gradlew --no-daemon assemble",
        ),
        (
            "build_tool = \"gradle\"\nwrapper = false\n",
            "COPY settings.gradle* build.gradle* gradle.properties* ./",
            "gradle --no-daemon dependencies",
            "gradle --no-daemon assemble",
        ),
    ] {
        let (dockerfile, _, _) = outputs(&java("", settings));
        let stage = build_stage(&dockerfile);
        let files = stage
            .iter()
            .position(|i| i == build_files)
            .unwrap_or_else(|| panic!("{settings}: {dockerfile}"));
        let resolved = stage
            .iter()
            .position(|i| i.ends_with(resolve))
            .unwrap_or_else(|| panic!("{settings}: {dockerfile}"));
        let sources = stage.iter().position(|i| i == "COPY src ./src").unwrap();
        let built = stage
            .iter()
            .position(|i| i.contains(build))
            .unwrap_or_else(|| panic!("{settings}: {dockerfile}"));
        assert!(
            files < resolved && resolved < sources && sources < built,
            "{settings}: {dockerfile}"
        );
    }
}

#[test]
fn p10_tool_caches_on_cache_mounts() {
    let (dockerfile, _, _) = default_outputs();
    for run in build_stage(&dockerfile)
        .iter()
        .filter(|i| i.starts_with("RUN ") && i.contains("mvnw"))
    {
        assert!(run.contains("--mount=type=cache,target=/root/.m2"), "{run}");
    }
    let (dockerfile, _, _) = outputs(&java("", "build_tool = \"gradle\"\n"));
    assert!(dockerfile.contains("ENV GRADLE_USER_HOME=/root/.gradle"));
    for run in build_stage(&dockerfile)
        .iter()
        .filter(|i| i.starts_with("RUN ") && i.contains("gradlew"))
    {
        assert!(
            run.contains("--mount=type=cache,target=/root/.gradle"),
            "{run}"
        );
    }
    assert_eq!(
        starting_with(final_stage(&dockerfile), &["COPY"]),
        [
            "COPY --from=build /out/app.jar ./app.jar",
            "COPY --from=build /out/healthcheck /opt/healthcheck"
        ]
    );
}

#[test]
fn p11_copy_never_add() {
    let (dockerfile, _, _) = default_outputs();
    assert_no_add(&dockerfile);
}

#[test]
fn p12_the_jar_at_one_known_path() {
    // Named by the manifest...
    let (dockerfile, _, _) = outputs(&java("", "jar = \"target/shop.jar\"\n"));
    assert!(
        dockerfile.contains("&& cp \"target/shop.jar\" /out/app.jar"),
        "{dockerfile}"
    );
    // ...or the one application jar the build made, and the build fails loudly when there are
    // several.
    let (dockerfile, _, _) = default_outputs();
    let build = build_stage(&dockerfile);
    let package = build
        .iter()
        .find(|i| i.contains("package -DskipTests"))
        .unwrap();
    assert!(
        package.contains("find target -maxdepth 1 -type f -name '*.jar' ! -name '*-sources.jar'")
    );
    assert!(
        package.contains("exit 1; fi && cp \"$(cat /tmp/jars)\" /out/app.jar"),
        "{package}"
    );
    let (dockerfile, _, _) = outputs(&java("", "build_tool = \"gradle\"\n"));
    assert!(dockerfile.contains("find build/libs -maxdepth 1"));
    assert_eq!(
        refusals(&java("", "jar = \"target/app.war\"\n")),
        ["java-jar"]
    );
    assert_eq!(
        refusals(&java("", "jar = \"../app.jar\"\n")),
        ["path-outside"]
    );
}

#[test]
fn p13_grouped_runs_and_clean_apt() {
    let (dockerfile, _, _) = outputs(&java(
        "system_packages = { fontconfig = \"2.*\" }\nbuild_packages = { git = \"1:2.*\" }\n",
        "",
    ));
    assert_no_consecutive_runs(&dockerfile);
    let runs = final_runs(&dockerfile);
    assert_eq!(runs.len(), 1);
    assert!(runs[0].contains("--no-install-recommends fontconfig=2.*"));
    assert!(runs[0].contains("rm -rf /var/lib/apt/lists/* && useradd"));
}

#[test]
fn p14_no_secrets_in_the_image() {
    assert_eq!(
        refusals(&java("env = { SPRING_DATASOURCE_PASSWORD = \"x\" }\n", "")),
        ["env-secret"]
    );
}

#[test]
fn p15_p16_non_root_system_user_without_a_fixed_uid() {
    let (dockerfile, _, _) = default_outputs();
    let stage = final_stage(&dockerfile);
    assert_eq!(
        stage.iter().rfind(|i| i.starts_with("USER ")).unwrap(),
        "USER ${APP_USER}"
    );
    let useradd = stage.iter().find(|i| i.contains("useradd")).unwrap();
    assert!(useradd.contains("--system") && !useradd.contains("--uid"));
    let (dockerfile, _, _) = outputs(&java("\n[user]\nname = \"shop\"\nuid = 10001\n", ""));
    assert_eq!(
        final_stage(&dockerfile)
            .iter()
            .rfind(|i| i.starts_with("USER "))
            .unwrap(),
        "USER 10001"
    );
}

#[test]
fn p17_app_files_owned_by_root() {
    let (dockerfile, _, _) = default_outputs();
    assert!(!dockerfile.contains("chown") && !dockerfile.contains("--chmod"));
    let stage = final_stage(&dockerfile);
    let user = stage.iter().position(|i| i.starts_with("USER ")).unwrap();
    assert!(stage[user..].iter().all(|i| !i.starts_with("COPY ")));
}

#[test]
fn p18_healthcheck_by_a_probe_class() {
    let (dockerfile, _, compose) = default_outputs();
    let probe = "[\"java\", \"-Xmx16m\", \"-XX:+UseSerialGC\", \"-XX:TieredStopAtLevel=1\", \"-cp\", \"/opt/healthcheck\", \"HealthCheck\", \"http://127.0.0.1:8080/actuator/health\", \"5\"]";
    assert_probe(&dockerfile, &compose, probe);
    assert!(dockerfile.contains("javac -d /out/healthcheck /tmp/HealthCheck.java"));
    let (dockerfile, _, _) = outputs(&(java("", "") + "\n[healthcheck]\nenabled = false\n"));
    assert!(!dockerfile.contains("HealthCheck") && !dockerfile.contains("/opt/healthcheck"));
}

#[test]
fn container_aware_jvm_options() {
    let (dockerfile, _, _) = default_outputs();
    assert!(
        final_stage(&dockerfile).contains(
            &"ENV JAVA_TOOL_OPTIONS=\"-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError\""
                .to_owned()
        ),
        "{dockerfile}"
    );
    assert_eq!(
        refusals(&java("", "jvm_options = [\"-Xmx1g -Xms1g\"]\n")),
        ["jvm-option"]
    );
    assert_eq!(
        refusals(&java("", "jvm_options = [\"Xmx1g\"]\n")),
        ["jvm-option"]
    );
    let loaded = dgen::manifest::parse(
        &java("", "").replace("\"-jar\", \"app.jar\"", "\"-jar\", \"target/shop.jar\""),
        None,
    )
    .unwrap();
    let codes: Vec<_> = loaded.warnings.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["java-jar-unused"]);
}

#[test]
fn java_settings_are_checked() {
    assert_eq!(
        refusals(&java("", "").replace("\"21\"", "\"7\"")),
        ["version"]
    );
    assert_eq!(
        refusals(&java("", "maven_version = \"3.x\"\n")),
        ["tool-version"]
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let text = java(
        "env = { B = \"2\", A = \"1\" }\n",
        "build_tool = \"gradle\"\n",
    );
    assert_renders_identically(&text, 10);
}
