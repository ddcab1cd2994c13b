//! Command lines: splitting a shell-like string into exec form and back, and finding the port a
//! server command binds to.

/// Splits `text` the way a POSIX shell splits words (quotes and backslashes), without expanding
/// anything. `None` when the quoting is unbalanced or there are no words.
pub fn split_command(text: &str) -> Option<Vec<String>> {
    shlex::split(text).filter(|words| !words.is_empty())
}

/// Joins an exec-form command into one line a shell would split back the same way.
pub fn join_command(command: &[String]) -> String {
    shlex::try_join(command.iter().map(String::as_str)).unwrap_or_else(|_| command.join(" "))
}

/// Options whose value is a port, or an address ending in `:PORT`.
const PORT_OPTIONS: [&str; 5] = ["--port", "-p", "--server.port", "--bind", "-b"];

fn port_of(value: &str) -> Option<u32> {
    let digits = value.rsplit(':').next().unwrap_or(value);
    digits.parse().ok().filter(|p| (1..=65535).contains(p))
}

/// Where a port is written in `command`: (word index, byte offset of the port in the word).
fn port_positions(command: &[String]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < command.len() {
        let word = &command[i];
        let option = PORT_OPTIONS
            .iter()
            .find(|o| word == *o || word.starts_with(&format!("{o}=")));
        let value_at = match option {
            Some(o) if word == *o => Some((i + 1, 0)),
            Some(o) => Some((i, o.len() + 1)),
            // Django's `runserver [ADDR:]PORT`.
            None if word == "runserver" => Some((i + 1, 0)),
            None => None,
        };
        if let Some((at, offset)) = value_at
            && let Some(value) = command.get(at).map(|w| &w[offset..])
            && port_of(value).is_some()
        {
            let colon = value.rfind(':').map_or(0, |c| c + 1);
            out.push((at, offset + colon));
            i = at;
        }
        i += 1;
    }
    out
}

/// The ports a server command binds to (`--bind 0.0.0.0:8000`, `--port 8000`, `-p 8000`,
/// `--server.port 8501`, `runserver 0.0.0.0:8000`), in order, without repeats.
pub fn ports_in_command(command: &[String]) -> Vec<u32> {
    let mut ports = Vec::new();
    for (word, offset) in port_positions(command) {
        if let Some(port) = port_of(&command[word][offset..])
            && !ports.contains(&port)
        {
            ports.push(port);
        }
    }
    ports
}

/// `command` with every binding to port `old` changed to `new`.
pub fn retarget_port(command: &[String], old: u32, new: u32) -> Vec<String> {
    let mut out = command.to_vec();
    for (word, offset) in port_positions(command) {
        if port_of(&command[word][offset..]) == Some(old) {
            out[word] = format!("{}{new}", &command[word][..offset]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        split_command(text).unwrap()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            words(r#"python -c "print('a b')" x"#),
            vec!["python", "-c", "print('a b')", "x"]
        );
        assert_eq!(split_command("'unclosed"), None);
        assert_eq!(split_command("   "), None);
        let command = words(r#"python -c "import os; os.kill(1, 0)""#);
        assert_eq!(split_command(&join_command(&command)), Some(command));
    }

    #[test]
    fn finds_ports() {
        assert_eq!(
            ports_in_command(&words("gunicorn --bind 0.0.0.0:8000 app:app")),
            vec![8000]
        );
        assert_eq!(
            ports_in_command(&words("gunicorn -b=:5000 app:app")),
            vec![5000]
        );
        assert_eq!(
            ports_in_command(&words("uvicorn app:app --host 0.0.0.0 --port=8080")),
            vec![8080]
        );
        assert_eq!(
            ports_in_command(&words("python manage.py runserver 0.0.0.0:8001")),
            vec![8001]
        );
        assert_eq!(
            ports_in_command(&words("streamlit run app.py --server.port 8501")),
            vec![8501]
        );
        assert!(ports_in_command(&words("python main.py --port x")).is_empty());
        assert!(ports_in_command(&words("gunicorn --bind unix:/tmp/s app:app")).is_empty());
    }

    #[test]
    fn retargets_ports() {
        assert_eq!(
            retarget_port(&words("gunicorn --bind 0.0.0.0:8000 app:app"), 8000, 9000),
            words("gunicorn --bind 0.0.0.0:9000 app:app")
        );
        assert_eq!(
            retarget_port(&words("uvicorn a:b --port=8000"), 8000, 81),
            words("uvicorn a:b --port=81")
        );
        assert_eq!(
            retarget_port(&words("uvicorn a:b --port 7000"), 8000, 81),
            words("uvicorn a:b --port 7000")
        );
    }
}
