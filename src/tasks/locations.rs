//! Locations as a work order shows them: the whole path from the site down,
//! e.g. "HQ › Building A › Floor 2 › Room 201".

use sqlx::{AnyConnection, AnyPool};

use super::Choice;
use crate::error::AppResult;

const SEPARATOR: &str = " › ";
/// Deeper chains than this (or a cycle) are cut off: the tree has four kinds.
const MAX_DEPTH: usize = 16;

/// Every location with its path, in tree order, for the location picker.
pub async fn location_choices(pool: &AnyPool) -> AppResult<Vec<Choice>> {
    let locations = crate::locations::list_with_paths(pool).await?;
    let choices = locations
        .into_iter()
        .map(|location| Choice {
            id: location.id,
            label: location.path_label,
        })
        .collect();
    Ok(choices)
}

/// The path of one location, or `None` when it does not exist.
pub async fn location_path(conn: &mut AnyConnection, id: i64) -> AppResult<Option<String>> {
    let mut names = Vec::new();
    let mut next = Some(id);
    while let Some(id) = next.filter(|_| names.len() < MAX_DEPTH) {
        let row: Option<(Option<i64>, String)> =
            sqlx::query_as("SELECT parent_id, name FROM locations WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        let Some((parent, name)) = row else { break };
        names.push(name);
        next = parent;
    }
    if names.is_empty() {
        return Ok(None);
    }
    names.reverse();
    Ok(Some(names.join(SEPARATOR)))
}
