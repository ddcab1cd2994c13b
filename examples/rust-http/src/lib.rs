//! The service's answers, kept apart from the server loop so that they can be tested.

/// The greeting for `name`, or for the world when there is no name.
pub fn greeting(word: &str, name: Option<&str>) -> String {
    let word = if word.trim().is_empty() { "Hello" } else { word.trim() };
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("{word}, {name}!"),
        None => format!("{word}, world!"),
    }
}

/// Splits a request target into its path and the value of query parameter `key`.
pub fn path_and_param<'a>(target: &'a str, key: &str) -> (&'a str, Option<&'a str>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let value = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v);
    (path, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greets() {
        assert_eq!(greeting("Hello", None), "Hello, world!");
        assert_eq!(greeting("Hi", Some(" crab ")), "Hi, crab!");
        assert_eq!(greeting("", Some("")), "Hello, world!");
    }

    #[test]
    fn splits_targets() {
        assert_eq!(path_and_param("/?name=ann&x=1", "name"), ("/", Some("ann")));
        assert_eq!(path_and_param("/healthz", "name"), ("/healthz", None));
    }
}
