//! The practice catalogue (P01–P21): the IDs that tests and drift reports name.

/// One practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Practice {
    /// Its ID, e.g. `P15`.
    pub id: &'static str,
    /// What it says.
    pub title: &'static str,
}

/// Every practice, in ID order.
pub const PRACTICES: &[Practice] = &[
    Practice {
        id: "P01",
        title: "The Dockerfile passes a Dockerfile linter",
    },
    Practice {
        id: "P02",
        title: "One app per container",
    },
    Practice {
        id: "P03",
        title: "Slim, official base image",
    },
    Practice {
        id: "P04",
        title: ".dockerignore keeps out caches, VCS, venvs, secrets, editor files, Docker files",
    },
    Practice {
        id: "P05",
        title: "Trusted base images: official, tagged, never latest; digest pin when asked",
    },
    Practice {
        id: "P06",
        title: "Expose only the app's ports; never 22 (SSH)",
    },
    Practice {
        id: "P07",
        title: "PYTHONDONTWRITEBYTECODE=1",
    },
    Practice {
        id: "P08",
        title: "PYTHONUNBUFFERED=1",
    },
    Practice {
        id: "P09",
        title: "Dependency manifests copied and installed before the source",
    },
    Practice {
        id: "P10",
        title: "No package-manager cache left in the image",
    },
    Practice {
        id: "P11",
        title: "COPY, not ADD, for local files",
    },
    Practice {
        id: "P12",
        title: "Copy only what the app needs, not .",
    },
    Practice {
        id: "P13",
        title: "Few layers; apt lists cleaned; --no-install-recommends",
    },
    Practice {
        id: "P14",
        title: "No secrets in the image; configuration by environment at run time",
    },
    Practice {
        id: "P15",
        title: "Run as a non-root user",
    },
    Practice {
        id: "P16",
        title: "No fixed UID for the non-root user unless asked",
    },
    Practice {
        id: "P17",
        title: "App files owned by root and not writable by the runtime user",
    },
    Practice {
        id: "P18",
        title: "A HEALTHCHECK instruction",
    },
    Practice {
        id: "P19",
        title: "Scan the image for vulnerabilities",
    },
    Practice {
        id: "P20",
        title: "Debug the container from VS Code",
    },
    Practice {
        id: "P21",
        title: "Run the image and test it",
    },
];

/// The practice with `id`.
pub fn get(id: &str) -> Option<&'static Practice> {
    PRACTICES.iter().find(|p| p.id == id)
}
