//! Java detection: Maven (`pom.xml`) or Gradle (`build.gradle(.kts)`), the wrapper, the Java
//! release the build file asks for, Spring Boot's port and health endpoint, and the sources.
//!
//! | looked at | gives |
//! | --- | --- |
//! | `pom.xml`, `build.gradle`, `build.gradle.kts` | `build_tool` |
//! | `mvnw` + `.mvn/wrapper/`, `gradlew` + `gradle/wrapper/` | `wrapper` |
//! | `<java.version>`, `<maven.compiler.release>`, `JavaLanguageVersion.of(N)`, `sourceCompatibility`, `.java-version` | `version` |
//! | `server.port` in `application.properties` / `application.yml` | `ports` |
//! | spring-boot-starter-actuator, or routes such as `/healthz` | `[healthcheck] path` |

use std::collections::BTreeMap;

use crate::init::sources;
use crate::init::{
    Detected, Detection, Detector, Health, ProjectFiles, Setting, SettingValue, health_route,
    project_name, schema_file, services,
};
use crate::manifest::StackName;
use crate::stacks::java::Java;

/// The Java detector.
pub struct JavaDetector;

const LOOKS_FOR: &[&str] = &["pom.xml", "build.gradle", "build.gradle.kts"];

const BUILD_TOOLS: &[&str] = &["maven", "gradle"];

/// The text between `<tag>` and `</tag>`.
fn xml_value<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let start = text.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = text[start..].find("</")? + start;
    Some(text[start..end].trim())
}

/// The digits of a Java release such as `21`, `'17'`, `JavaVersion.VERSION_17`, `1.8`.
fn release(text: &str) -> Option<u32> {
    let text = text.trim().trim_start_matches("1.");
    let digits: String = text
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|v| *v >= 8)
}

impl Detector for JavaDetector {
    fn stack(&self) -> StackName {
        StackName::Java
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        if LOOKS_FOR.iter().any(|f| files.is_file(f)) {
            2
        } else {
            0
        }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let maven = files.is_file("pom.xml");
        let build_file = if maven {
            "pom.xml"
        } else if files.is_file("build.gradle.kts") {
            "build.gradle.kts"
        } else {
            "build.gradle"
        };
        let build = files.read(build_file).unwrap_or_default();
        let tool = if maven { "maven" } else { "gradle" };
        // The files the stack's wrapper build needs.
        let wrapper_files: &[&str] = if maven {
            &["mvnw", ".mvn/wrapper/maven-wrapper.properties"]
        } else {
            &[
                "gradlew",
                "gradle/wrapper/gradle-wrapper.properties",
                "gradle/wrapper/gradle-wrapper.jar",
            ]
        };
        let missing_wrapper = wrapper_files.iter().find(|f| !files.is_file(f));

        let default = Java::default().version;
        let version = if maven {
            [
                "java.version",
                "maven.compiler.release",
                "maven.compiler.target",
                "release",
            ]
            .iter()
            .find_map(|tag| {
                xml_value(&build, tag)
                    .and_then(release)
                    .map(|v| (v, format!("pom.xml <{tag}>")))
            })
        } else {
            build.lines().find_map(|line| {
                let line = line.trim();
                let at = [
                    "JavaLanguageVersion.of(",
                    "sourceCompatibility",
                    "jvmToolchain(",
                ]
                .iter()
                .find_map(|m| line.find(m).map(|i| (i, *m)))?;
                release(&line[at.0 + at.1.len()..])
                    .map(|v| (v, format!("{build_file} {}", at.1.trim_end_matches('('))))
            })
        }
        .or_else(|| {
            files
                .read(".java-version")
                .and_then(|t| release(&t))
                .map(|v| (v, ".java-version".to_owned()))
        });
        let version = match version {
            Some((v, from)) => Detected::found(v.to_string(), from),
            None => Detected::default(default, "no Java release found in the build file"),
        };

        let artifact = if maven {
            // The project's own artifactId comes after the parent's block.
            let after_parent = build
                .find("</parent>")
                .map_or(build.as_str(), |i| &build[i..]);
            xml_value(after_parent, "artifactId")
                .map(|a| (a.to_owned(), "pom.xml artifactId".to_owned()))
        } else {
            ["settings.gradle", "settings.gradle.kts"]
                .into_iter()
                .find_map(|f| files.read(f).map(|t| (f, t)))
                .and_then(|(f, t)| {
                    t.lines().find_map(|l| {
                        l.trim()
                            .strip_prefix("rootProject.name")
                            .and_then(|r| {
                                crate::init::routes::literals(r)
                                    .first()
                                    .map(|s| (*s).to_owned())
                            })
                            .map(|name| (name, f))
                    })
                })
                .map(|(name, f)| (name, format!("{f} rootProject.name")))
        };
        let name = project_name(
            files,
            artifact
                .as_ref()
                .map(|(a, from)| (a.as_str(), from.as_str())),
        );

        let spring = build.contains("spring-boot");
        let actuator = build.contains("spring-boot-starter-actuator");
        let mut port = None;
        for file in [
            "src/main/resources/application.properties",
            "src/main/resources/application.yml",
            "src/main/resources/application.yaml",
        ] {
            let Some(text) = files.read(file) else {
                continue;
            };
            let mut in_server = false;
            for line in text.lines() {
                let trimmed = line.trim();
                if let Some(value) = trimmed.strip_prefix("server.port") {
                    let value = value.trim_start_matches([' ', '=', ':']);
                    let value = value
                        .rsplit(':')
                        .next()
                        .unwrap_or(value)
                        .trim_end_matches('}');
                    if let Ok(p) = value.trim().parse::<u32>() {
                        port = Some((p, file));
                    }
                }
                if !line.starts_with(' ') {
                    in_server = trimmed == "server:";
                } else if in_server
                    && let Some(value) = trimmed.strip_prefix("port:")
                    && let Ok(p) = value.trim().parse::<u32>()
                {
                    port = Some((p, file));
                }
            }
        }
        let ports = match port {
            Some((p, file)) => Detected::found(vec![p], file),
            None if spring => Detected::default(vec![8080], "Spring Boot's port"),
            None => Detected::default(vec![8080], "the usual port of Java servers"),
        };
        let code: Vec<String> = [".java", ".kt"]
            .iter()
            .flat_map(|ext| files.walk("src/main", ext, 12))
            .collect();
        let healthcheck = if actuator {
            Detected::found(
                Health::Http("/actuator/health".to_owned()),
                build_file.to_owned(),
            )
            .because("Spring Boot Actuator's health endpoint")
        } else {
            match health_route(files, &code) {
                Some((route, file)) => Detected::found(Health::Http(route.clone()), file)
                    .because(format!("the app has a route {route}")),
                None => Detected::default(Health::Tcp, "no health route found"),
            }
        };

        let (keep, left_out) =
            sources::top_level(files, &["target", "gradle"], |_| false, |dir| dir == "src");
        if !files.is_dir("src") {
            notes.push("no src/ directory found: name the sources with --source".to_owned());
        }
        let mut settings = vec![
            Setting::text(
                "version",
                "The Java release: the build runs on its JDK, the app on its JRE",
                version,
            ),
            Setting::text(
                "build_tool",
                "The build tool",
                Detected::found(tool.to_owned(), build_file),
            )
            .choices(BUILD_TOOLS),
        ];
        if let Some(missing) = missing_wrapper {
            settings.push(Setting::new(
                "wrapper",
                "Build with the project's wrapper (mvnw, gradlew); false uses the official build image",
                Detected::found(SettingValue::Bool(false), "the project's layout")
                    .because(format!("the wrapper's {missing} is missing")),
            ));
        }
        let deps: Vec<String> = ["postgresql", "spring-boot-starter-data-redis", "jedis"]
            .iter()
            .filter(|d| build.contains(*d))
            .map(|d| (*d).to_owned())
            .collect();
        Detection {
            stack: Detected::found(StackName::Java, build_file),
            name,
            command: Detected::found(
                vec!["java".to_owned(), "-jar".to_owned(), "app.jar".to_owned()],
                build_file,
            )
            .because("the image holds the built jar as app.jar"),
            ports,
            sources: sources::detected(keep, &left_out),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            healthcheck,
            settings,
            suggestions: services::suggestions(&deps, build_file),
            notes,
            schema_file: schema_file(files),
            runtime: Default::default(),
        }
    }
}
