//! The Java stack: a JDK build stage resolves the dependencies from the build files alone
//! (`dependency:go-offline` for Maven, `dependencies` for Gradle, with `~/.m2` or `~/.gradle` on a
//! BuildKit cache mount), then copies the sources and builds the jar, which it puts at one known
//! path whatever the build named it. The final stage is the Eclipse Temurin JRE with that jar, a
//! system user, and container-aware memory settings in `JAVA_TOOL_OPTIONS`. The health check
//! runs a one-class probe compiled with `javac` in the build stage (see [`super::compiled`]): the
//! JRE image has no curl. Templates: `templates/` in this folder, named `java/<file>`.
//!
//! By default the build runs the project's own wrapper (`mvnw` or `gradlew`) on
//! `eclipse-temurin:<version>-jdk`, so the image builds with the tool version the project pins;
//! with `wrapper = false` it uses the official `maven` or `gradle` image, which is that same JDK
//! with the tool installed.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`): `examples/java-gradle`,
//! `examples/java-maven`.
//! `dgen init` fixtures: `tests/fixtures/init/java-gradle`, `tests/fixtures/init/java-maven`.
//! Practice tests: `tests/integration/practices_java.rs`.

pub(crate) mod init;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use include_dir::{Dir, include_dir};

use super::compiled;
use super::{Probe, Stack};
use crate::manifest::{Checker, Manifest, StackName};

/// Where the probe class lives in the final image.
pub const PROBE_DIR: &str = "/opt/healthcheck";

/// The jar's path in the final image, relative to `[app] workdir`.
pub const JAR_NAME: &str = "app.jar";

/// Settings of the Java stack.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Java {
    /// The Java feature release, e.g. `21`: the build runs on `eclipse-temurin:<version>-jdk`
    /// and the app on `eclipse-temurin:<version>-jre`.
    pub version: String,
    /// The build tool: `maven` (`pom.xml`) or `gradle` (`build.gradle` or `build.gradle.kts`).
    pub build_tool: JavaBuildTool,
    /// Build with the project's wrapper (`mvnw` and `.mvn/wrapper/`, or `gradlew` and
    /// `gradle/wrapper/`), which pins the tool's version. Set to false to build with the
    /// official `maven` or `gradle` image of `maven_version` / `gradle_version` instead.
    pub wrapper: bool,
    /// The `maven` image's version when `wrapper = false`: `maven:<maven_version>-eclipse-temurin-<version>`.
    pub maven_version: String,
    /// The `gradle` image's version when `wrapper = false`: `gradle:<gradle_version>-jdk<version>`.
    pub gradle_version: String,
    /// The jar the build makes, relative to the directory of `dgen.toml`, e.g.
    /// `target/app.jar`. Without it, the build must make exactly one application jar in
    /// `target/` (Maven) or `build/libs/` (Gradle), not counting `-sources`, `-javadoc`, `-tests`
    /// and `-plain` jars. Either way the image holds it as `<workdir>/app.jar`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jar: Option<String>,
    /// JVM options, set in `JAVA_TOOL_OPTIONS` so that every JVM in the container gets them. The
    /// defaults size the heap from the container's memory limit and make the JVM exit (and the
    /// container restart) on an `OutOfMemoryError` instead of limping on.
    pub jvm_options: Vec<String>,
}

impl Default for Java {
    fn default() -> Self {
        Java {
            version: "21".to_owned(),
            build_tool: JavaBuildTool::Maven,
            wrapper: true,
            maven_version: "3.9".to_owned(),
            gradle_version: "8.14".to_owned(),
            jar: None,
            jvm_options: vec![
                "-XX:MaxRAMPercentage=75".to_owned(),
                "-XX:+ExitOnOutOfMemoryError".to_owned(),
            ],
        }
    }
}

/// A Java build tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JavaBuildTool {
    /// Maven: `dependency:go-offline`, then `package -DskipTests`.
    Maven,
    /// Gradle: `dependencies`, then `assemble`.
    Gradle,
}

/// The templates, named `java/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/java/templates");

/// The Java stack.
pub struct JavaStack;

/// The build stage's image.
fn build_image(s: &Java) -> String {
    match (s.wrapper, s.build_tool) {
        (true, _) => format!("eclipse-temurin:{}-jdk", s.version),
        (false, JavaBuildTool::Maven) => {
            format!("maven:{}-eclipse-temurin-{}", s.maven_version, s.version)
        }
        (false, JavaBuildTool::Gradle) => format!("gradle:{}-jdk{}", s.gradle_version, s.version),
    }
}

#[derive(Serialize)]
struct Context {
    build_image: String,
    build_tool: &'static str,
    wrapper: bool,
    jar: Option<String>,
    jar_name: &'static str,
    jar_dir: &'static str,
    java_tool_options: String,
    probe: bool,
    probe_dir: &'static str,
    probe_lines: Vec<String>,
}

impl Stack for JavaStack {
    type Settings = Java;

    fn table(manifest: &Manifest) -> Option<&Java> {
        manifest.java.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::JavaDetector)
    }

    fn name(&self) -> StackName {
        StackName::Java
    }

    fn description(&self) -> &'static str {
        "Java with Maven or Gradle: a jar on the Eclipse Temurin JRE"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &[
            "eclipse-temurin",
            "openjdk",
            "amazoncorretto",
            "maven",
            "gradle",
        ]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = JavaStack::settings(manifest);
        let version_ok = !s.version.is_empty()
            && s.version.chars().all(|ch| ch.is_ascii_digit())
            && s.version.parse::<u32>().is_ok_and(|v| v >= 8);
        if !version_ok {
            c.error(
                "version",
                &["java".into(), "version".into()],
                format!("`{}` is not a Java feature release", s.version),
                "expected e.g. \"21\"",
            );
        }
        for (field, value) in [
            ("maven_version", &s.maven_version),
            ("gradle_version", &s.gradle_version),
        ] {
            if !crate::manifest::is_version(value, ..) {
                c.error(
                    "tool-version",
                    &["java".into(), field.into()],
                    format!("`{value}` is not a version"),
                    "expected e.g. \"3.9\"",
                );
            }
        }
        if let Some(jar) = &s.jar {
            let path = ["java".into(), "jar".into()];
            if c.relative_path(&path, jar, "jar")
                && (!compiled::is_plain_relative(jar) || !jar.ends_with(".jar"))
            {
                c.error(
                    "java-jar",
                    &path,
                    format!("`{jar}` is not a path to a .jar file"),
                    "expected e.g. \"target/app.jar\"",
                )
                .help =
                    Some("use letters, digits, `.`, `_`, `-` and `/`, ending in .jar".to_owned());
            }
        }
        for (i, option) in s.jvm_options.iter().enumerate() {
            let ok = option.starts_with('-')
                && option.len() > 1
                && !option.contains(|ch: char| ch.is_whitespace() || "\"'\\$`".contains(ch));
            if !ok {
                c.error(
                    "jvm-option",
                    &["java".into(), "jvm_options".into(), i.into()],
                    format!("`{option}` is not one JVM option"),
                    "expected e.g. \"-XX:MaxRAMPercentage=75\"",
                )
                .help = Some(
                    "JAVA_TOOL_OPTIONS splits on spaces: one option per entry, without spaces or quotes"
                        .to_owned(),
                );
            }
        }
        if manifest.app.command.first().is_some_and(|p| p == "java")
            && !manifest.app.command.iter().any(|a| a.ends_with(JAR_NAME))
        {
            c.warning(
                "java-jar-unused",
                &["app".into(), "command".into()],
                format!("the command does not run {JAR_NAME}, where the image puts the jar"),
                format!("expected e.g. [\"java\", \"-jar\", \"{JAR_NAME}\"]"),
            );
        }
        if let Some(dir) = c.project_dir().map(std::path::Path::to_path_buf) {
            let tool = ["java".into(), "build_tool".into()];
            match s.build_tool {
                JavaBuildTool::Maven => c.must_exist(&tool, "pom.xml", "pom.xml", true),
                JavaBuildTool::Gradle => {
                    if !dir.join("build.gradle").exists() && !dir.join("build.gradle.kts").exists()
                    {
                        c.must_exist(&tool, "build.gradle", "build.gradle(.kts)", true);
                    }
                }
            }
            if s.wrapper {
                let wrapper = ["java".into(), "wrapper".into()];
                let files: &[&str] = match s.build_tool {
                    JavaBuildTool::Maven => &["mvnw", ".mvn/wrapper/maven-wrapper.properties"],
                    JavaBuildTool::Gradle => &[
                        "gradlew",
                        "gradle/wrapper/gradle-wrapper.properties",
                        "gradle/wrapper/gradle-wrapper.jar",
                    ],
                };
                for file in files {
                    if !dir.join(file).exists() {
                        c.error(
                            "path-missing",
                            &wrapper,
                            format!(
                                "the wrapper file `{file}` does not exist next to the manifest"
                            ),
                            "the build runs the project's wrapper",
                        )
                        .help = Some(format!(
                            "add the wrapper (`{}`), or set wrapper = false to build with the official {} image",
                            match s.build_tool {
                                JavaBuildTool::Maven => "mvn wrapper:wrapper",
                                JavaBuildTool::Gradle => "gradle wrapper",
                            },
                            match s.build_tool {
                                JavaBuildTool::Maven => "maven",
                                JavaBuildTool::Gradle => "gradle",
                            }
                        ));
                    }
                }
            }
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        format!(
            "eclipse-temurin:{}-jre",
            JavaStack::settings(manifest).version
        )
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = JavaStack::settings(manifest);
        minijinja::Value::from(minijinja::value::Serde(Context {
            build_image: build_image(&s),
            build_tool: match s.build_tool {
                JavaBuildTool::Maven => "maven",
                JavaBuildTool::Gradle => "gradle",
            },
            wrapper: s.wrapper,
            jar: s.jar.clone(),
            jar_name: JAR_NAME,
            jar_dir: match s.build_tool {
                JavaBuildTool::Maven => "target",
                JavaBuildTool::Gradle => "build/libs",
            },
            java_tool_options: s.jvm_options.join(" "),
            probe: compiled::needs_probe(manifest),
            probe_dir: PROBE_DIR,
            probe_lines: compiled::java_probe_lines(),
        }))
    }

    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        let [target, secs] = compiled::probe_args(probe);
        [
            "java",
            "-Xmx16m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            PROBE_DIR,
            "HealthCheck",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([target, secs])
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_images() {
        let mut s = Java::default();
        assert_eq!(build_image(&s), "eclipse-temurin:21-jdk");
        s.wrapper = false;
        assert_eq!(build_image(&s), "maven:3.9-eclipse-temurin-21");
        s.build_tool = JavaBuildTool::Gradle;
        assert_eq!(build_image(&s), "gradle:8.14-jdk21");
    }
}
