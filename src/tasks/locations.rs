//! Locations as a work order shows them: the whole path from the site down,
//! e.g. "HQ › Building A › Floor 2 › Room 201".

use std::collections::HashMap;

use sqlx::{AnyConnection, AnyPool};

use super::Choice;
use crate::error::AppResult;

const SEPARATOR: &str = " › ";
/// Deeper chains than this (or a cycle) are cut off: the tree has four kinds.
const MAX_DEPTH: usize = 16;

/// Every location with its path, sorted by path. Reads the whole table, which
/// suits a site list of a few thousand locations.
pub async fn location_choices(pool: &AnyPool) -> AppResult<Vec<Choice>> {
    let rows: Vec<(i64, Option<i64>, String)> =
        sqlx::query_as("SELECT id, parent_id, name FROM locations")
            .fetch_all(pool)
            .await?;
    let tree: HashMap<i64, (Option<i64>, String)> = rows
        .into_iter()
        .map(|(id, parent, name)| (id, (parent, name)))
        .collect();

    let mut choices: Vec<Choice> = tree
        .keys()
        .map(|&id| Choice {
            id,
            label: path_in(&tree, id),
        })
        .collect();
    choices.sort_by(|a, b| a.label.cmp(&b.label).then(a.id.cmp(&b.id)));
    Ok(choices)
}

fn path_in(tree: &HashMap<i64, (Option<i64>, String)>, id: i64) -> String {
    let mut names = Vec::new();
    let mut next = Some(id);
    while let Some((parent, name)) = next.and_then(|id| tree.get(&id)) {
        names.push(name.as_str());
        next = *parent;
        if names.len() == MAX_DEPTH {
            break;
        }
    }
    names.reverse();
    names.join(SEPARATOR)
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
