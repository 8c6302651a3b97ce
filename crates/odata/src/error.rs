//! Query errors: each a 400 `BadRequest` whose message names the option, the position and the
//! offending token or property.

/// What is wrong with a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text does not follow the grammar.
    Syntax,
    /// A property the entity does not have.
    UnknownProperty,
    /// A property that cannot be used this way (not filterable, not sortable, ...).
    NotSupportedOnProperty,
    /// A literal of the wrong type for its property.
    TypeMismatch,
    /// An option this entity does not take, or a value out of range.
    InvalidOption,
}

/// A query error; `message` is what the client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub kind: ErrorKind,
    pub message: String,
}

impl QueryError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        QueryError {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn syntax(option: &str, text: &str, position: usize, problem: &str) -> Self {
        let rest = text.get(position..).unwrap_or_default();
        let token: String = match rest.chars().next() {
            None => String::new(),
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(40)
                .collect(),
            Some(c) => c.to_string(),
        };
        let found = if token.is_empty() {
            "the end of the text".to_owned()
        } else {
            format!("'{token}'")
        };
        let problem = if problem.is_empty() {
            "invalid syntax".to_owned()
        } else {
            problem.replace('\n', "; ")
        };
        QueryError::new(
            ErrorKind::Syntax,
            format!("Syntax error in {option} at position {position}: {problem}, found {found}."),
        )
    }
}
