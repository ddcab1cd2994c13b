//! The questions `dgen init` asks on a terminal: one per value, the detected value as the
//! default (Enter keeps it).

use std::path::Path;

use dgen::init::{self, Detection, Health, Origin};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, Select};

/// Parses `8000, 9000` (or `none`, or nothing) into ports.
fn parse_ports(text: &str) -> Result<Vec<u32>, String> {
    let text = text.trim();
    if text.is_empty() || text == "none" {
        return Ok(Vec::new());
    }
    text.split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(|p| match p.parse::<u32>() {
            Ok(port) if (1..=65535).contains(&port) && port != 22 => Ok(port),
            _ => Err(format!("`{p}` is not a TCP port (1-65535, not 22)")),
        })
        .collect()
}

/// Splits a comma-separated list.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn text_input(
    theme: &dyn Theme,
    prompt: &str,
    default: String,
    validate: impl Fn(&String) -> Result<(), String> + 'static,
) -> dialoguer::Result<String> {
    Input::<String>::with_theme(theme)
        .with_prompt(prompt)
        .default(default)
        .allow_empty(true)
        .validate_with(move |value: &String| validate(value))
        .interact_text()
}

/// Asks about each value; `Ok(false)` when the user declines to write.
pub fn ask(d: &mut Detection, dir: &Path, manifest: &str, color: bool) -> dialoguer::Result<bool> {
    let colorful = ColorfulTheme::default();
    let theme: &dyn Theme = if color { &colorful } else { &SimpleTheme };
    eprintln!("Press Enter to keep a value, or type another.");

    let name = text_input(theme, "App name", d.name.value.clone(), |v| {
        if init::is_valid_name(v) {
            Ok(())
        } else {
            Err(
                "use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit"
                    .to_owned(),
            )
        }
    })?;
    if name != d.name.value {
        d.name.set(name, Origin::Answer);
    }

    let ports_text: Vec<String> = d.ports.value.iter().map(u32::to_string).collect();
    let ports_text = if ports_text.is_empty() {
        "none".to_owned()
    } else {
        ports_text.join(", ")
    };
    let answer = text_input(
        theme,
        "Ports the app listens on (comma-separated, or none)",
        ports_text,
        |v| parse_ports(v).map(|_| ()),
    )?;
    let ports = parse_ports(&answer).unwrap_or_default();
    if ports != d.ports.value {
        d.set_ports(ports, Origin::Answer);
    }

    let answer = text_input(
        theme,
        "Command",
        init::join_command(&d.command.value),
        |v| match init::split_command(v) {
            Some(_) => Ok(()),
            None => Err("empty, or a quote is not closed".to_owned()),
        },
    )?;
    if let Some(command) = init::split_command(&answer)
        && command != d.command.value
    {
        d.set_command(command, Origin::Answer);
    }

    let root = dir.to_owned();
    let answer = text_input(
        theme,
        "Sources to copy (comma-separated paths)",
        d.sources.value.join(", "),
        move |v| {
            let paths = list(v);
            if paths.is_empty() {
                return Err("name at least one path".to_owned());
            }
            match paths.iter().find(|p| !root.join(p).exists()) {
                Some(missing) => Err(format!("`{missing}` does not exist")),
                None => Ok(()),
            }
        },
    )?;
    let sources = list(&answer);
    if sources != d.sources.value {
        d.sources.set(sources, Origin::Answer);
    }

    let stack = d.stack.value.as_str();
    for i in 0..d.settings.len() {
        let setting = d.settings[i].clone();
        let current = setting.text_value();
        let prompt = format!("{stack}.{} ({})", setting.key, setting.about);
        let answer = if setting.choices.is_empty() {
            let kind = setting.value.value.clone();
            text_input(theme, &prompt, current.clone(), move |v| {
                kind.parse_like(v).map(|_| ())
            })?
        } else {
            let default = setting
                .choices
                .iter()
                .position(|c| *c == current)
                .unwrap_or(0);
            let index = Select::with_theme(theme)
                .with_prompt(&prompt)
                .items(setting.choices)
                .default(default)
                .interact()?;
            setting.choices[index].to_owned()
        };
        if answer != current {
            // The key comes from the detection itself, and the answer was validated.
            let _ = d.set_setting(setting.key, &answer, Origin::Answer);
        }
    }
    init::reconcile(d, dir);

    if d.ports.value.is_empty() {
        let current = match &d.healthcheck.value {
            Health::Command(command) => init::join_command(command),
            _ => "off".to_owned(),
        };
        let answer = text_input(
            theme,
            "Health check command (exits 0 when healthy), or off",
            current.clone(),
            |v| match v.trim() {
                "off" => Ok(()),
                text if init::split_command(text).is_some() => Ok(()),
                _ => Err("a command, or off".to_owned()),
            },
        )?;
        if answer != current {
            let health = match init::split_command(&answer) {
                Some(words) if answer.trim() != "off" => Health::Command(words),
                _ => Health::Off,
            };
            d.healthcheck.set(health, Origin::Answer);
        }
    } else {
        let current = match &d.healthcheck.value {
            Health::Http(path) => path.clone(),
            Health::Off => "off".to_owned(),
            _ => "tcp".to_owned(),
        };
        let answer = text_input(
            theme,
            "Health check HTTP path (e.g. /healthz), tcp for a TCP connect, or off",
            current.clone(),
            |v| match v.trim() {
                "off" | "tcp" => Ok(()),
                path if path.starts_with('/') && !path.contains(char::is_whitespace) => Ok(()),
                _ => Err("a path starting with /, tcp, or off".to_owned()),
            },
        )?;
        if answer != current {
            let health = match answer.trim() {
                "off" => Health::Off,
                "tcp" => Health::Tcp,
                path => Health::Http(path.to_owned()),
            };
            d.healthcheck.set(health, Origin::Answer);
        }
    }

    Confirm::with_theme(theme)
        .with_prompt(format!("Write {manifest}?"))
        .default(true)
        .interact()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse() {
        assert_eq!(parse_ports("8000, 9000"), Ok(vec![8000, 9000]));
        assert_eq!(parse_ports("none"), Ok(vec![]));
        assert!(parse_ports("22").is_err());
        assert!(parse_ports("http").is_err());
    }
}
