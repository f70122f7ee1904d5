//! Where work happens: a tree of sites, buildings, floors and rooms.

use std::collections::HashMap;

use serde::Deserialize;
use sqlx::AnyPool;

use crate::db::{fetch_json_rows, now};
use crate::error::{AppError, AppResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocationKind {
    Site,
    Building,
    Floor,
    Room,
}

impl LocationKind {
    pub const ALL: [LocationKind; 4] = [
        LocationKind::Site,
        LocationKind::Building,
        LocationKind::Floor,
        LocationKind::Room,
    ];

    pub fn parse(value: &str) -> Result<LocationKind, String> {
        LocationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .ok_or_else(|| format!("{value:?} is not a kind of location."))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::Site => "site",
            LocationKind::Building => "building",
            LocationKind::Floor => "floor",
            LocationKind::Room => "room",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LocationKind::Site => "Site",
            LocationKind::Building => "Building",
            LocationKind::Floor => "Floor",
            LocationKind::Room => "Room",
        }
    }

    /// The kind a parent of this kind must have; a site has none.
    pub fn parent_kind(self) -> Option<LocationKind> {
        match self {
            LocationKind::Site => None,
            LocationKind::Building => Some(LocationKind::Site),
            LocationKind::Floor => Some(LocationKind::Building),
            LocationKind::Room => Some(LocationKind::Floor),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
struct LocationRow {
    id: i64,
    parent_id: Option<i64>,
    kind: String,
    name: String,
}

/// A location with its full path, e.g. "HQ › Building A › Floor 2 › Room 201".
#[derive(Clone, Debug)]
pub struct LocationPath {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: LocationKind,
    pub name: String,
    pub path_label: String,
    /// 0 for a site, 3 for a room.
    pub depth: usize,
}

/// Every location in tree order (each parent before its children, siblings
/// by name), with its path.
pub async fn list_with_paths(pool: &AnyPool) -> AppResult<Vec<LocationPath>> {
    let query = "SELECT id, parent_id, kind, name FROM locations ORDER BY name, id";
    let columns = ["id", "parent_id", "kind", "name"];
    let rows: Vec<LocationRow> = fetch_json_rows(pool, query, &columns).await?;

    let mut children: HashMap<Option<i64>, Vec<LocationRow>> = HashMap::new();
    for row in rows {
        children.entry(row.parent_id).or_default().push(row);
    }
    let mut ordered = Vec::new();
    walk(&children, None, "", 0, &mut ordered)?;
    Ok(ordered)
}

fn walk(
    children: &HashMap<Option<i64>, Vec<LocationRow>>,
    parent: Option<i64>,
    parent_path: &str,
    depth: usize,
    out: &mut Vec<LocationPath>,
) -> AppResult<()> {
    for row in children.get(&parent).into_iter().flatten() {
        let kind =
            LocationKind::parse(&row.kind).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
        let path_label = match parent_path {
            "" => row.name.clone(),
            path => format!("{path} › {}", row.name),
        };
        out.push(LocationPath {
            id: row.id,
            parent_id: row.parent_id,
            kind,
            name: row.name.clone(),
            path_label: path_label.clone(),
            depth,
        });
        walk(children, Some(row.id), &path_label, depth + 1, out)?;
    }
    Ok(())
}

/// The ids of a location and everything under it; empty for an unknown id.
pub async fn subtree_ids(pool: &AnyPool, id: i64) -> AppResult<Vec<i64>> {
    let ids = sqlx::query_scalar(&format!("{} SELECT id FROM subtree", subtree_cte("$1")))
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(ids)
}

/// `WITH RECURSIVE subtree(id) AS (...)`: the location `placeholder` names
/// and all its descendants, for queries on both databases.
pub fn subtree_cte(placeholder: &str) -> String {
    format!(
        "WITH RECURSIVE subtree(id) AS (
            SELECT id FROM locations WHERE id = {placeholder}
            UNION ALL
            SELECT l.id FROM locations l JOIN subtree s ON l.parent_id = s.id
        )"
    )
}

/// A checked location name: trimmed, 1 to 100 characters.
fn parse_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err(AppError::Invalid("A location needs a name.".into())),
        1..=100 => Ok(name.to_owned()),
        _ => Err(AppError::Invalid(
            "A location name must be at most 100 characters.".into(),
        )),
    }
}

async fn kind_of(pool: &AnyPool, id: i64) -> AppResult<Option<LocationKind>> {
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM locations WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    kind.map(|kind| LocationKind::parse(&kind).map_err(|e| AppError::Internal(anyhow::anyhow!(e))))
        .transpose()
}

/// Refuses a parent that is missing or not one level up from `kind`.
async fn check_parent(pool: &AnyPool, kind: LocationKind, parent_id: Option<i64>) -> AppResult<()> {
    let parent_kind = match parent_id {
        Some(id) => Some(kind_of(pool, id).await?.ok_or_else(|| {
            AppError::Invalid("The chosen parent location does not exist.".into())
        })?),
        None => None,
    };
    if parent_kind == kind.parent_kind() {
        return Ok(());
    }
    Err(AppError::Invalid(match kind.parent_kind() {
        None => "A site cannot be placed inside another location.".into(),
        Some(expected) => format!(
            "A {} must be placed inside a {}.",
            kind.as_str(),
            expected.as_str()
        ),
    }))
}

pub async fn create_location(
    pool: &AnyPool,
    kind: LocationKind,
    parent_id: Option<i64>,
    name: &str,
) -> AppResult<i64> {
    let name = parse_name(name)?;
    check_parent(pool, kind, parent_id).await?;

    let id = sqlx::query_scalar(
        "INSERT INTO locations (parent_id, kind, name, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(parent_id)
    .bind(kind.as_str())
    .bind(name)
    .bind(now())
    .fetch_one(pool)
    .await?;
    Ok(id)
}

pub async fn rename_location(pool: &AnyPool, id: i64, name: &str) -> AppResult<()> {
    let name = parse_name(name)?;
    let done = sqlx::query("UPDATE locations SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Deletes a location that has neither sub-locations nor work orders.
pub async fn delete_location(pool: &AnyPool, id: i64) -> AppResult<()> {
    let (children, tasks): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM locations WHERE parent_id = $1),
                (SELECT COUNT(*) FROM tasks WHERE location_id = $1)",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    if children > 0 {
        return Err(AppError::Conflict(
            "This location still has sub-locations: delete or move them first.".into(),
        ));
    }
    if tasks > 0 {
        return Err(AppError::Conflict(format!(
            "This location still has {tasks} work order(s) and cannot be deleted."
        )));
    }

    let done = sqlx::query("DELETE FROM locations WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
