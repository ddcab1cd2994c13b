//! Colour decisions for terminal output.

use std::io::IsTerminal;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour text written to stderr.
    pub fn stderr(self) -> bool {
        self.resolve(std::io::stderr().is_terminal())
    }

    /// Whether to colour text written to stdout.
    #[allow(dead_code)]
    pub fn stdout(self) -> bool {
        self.resolve(std::io::stdout().is_terminal())
    }

    fn resolve(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}
