//! Conformance findings.
//!
//! Decoders reject what cannot be interpreted (wrong tags, broken lengths, missing mandatory
//! elements). Values that can be read but break a rule of ICAO 9303 or of the biometric format
//! (an unknown LDS version, an out-of-range pose angle, a tag list that does not match the
//! content, ...) are kept as read and reported by the `check()` methods as [`Issue`]s, so a reader
//! can decide how strict to be.

/// One rule a decoded file breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Issue {
    /// File name, e.g. "DG2".
    pub file: &'static str,
    /// The element concerned, e.g. "pose angle (yaw)".
    pub element: &'static str,
    /// What is wrong, in words.
    pub problem: String,
}

impl Issue {
    pub(crate) fn new(
        file: &'static str,
        element: &'static str,
        problem: impl Into<String>,
    ) -> Issue {
        Issue {
            file,
            element,
            problem: problem.into(),
        }
    }
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.element, self.problem)
    }
}
