//! Finding work orders: the filters of the list page, its pages, the CSV
//! export and the dashboard's summaries.

use std::collections::HashMap;

use serde::Deserialize;
use sqlx::AnyPool;

use super::{Priority, Status};
use crate::db::{fetch_json_rows, json_rows_query, parse_json_rows, Backend};
use crate::error::{AppError, AppResult};
use crate::locations::{subtree_cte, LocationPath};

pub const PAGE_SIZE: i64 = 50;

const ACTIVE_STATUSES: &str = "('open', 'in_progress', 'on_hold')";

/// A filter value that cannot be understood; the message says which.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadFilter(pub String);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortOrder {
    #[default]
    Newest,
    Oldest,
    Due,
    Priority,
    Title,
}

impl SortOrder {
    pub const ALL: [SortOrder; 5] = [
        SortOrder::Newest,
        SortOrder::Oldest,
        SortOrder::Due,
        SortOrder::Priority,
        SortOrder::Title,
    ];

    pub fn parse(value: &str) -> Result<SortOrder, BadFilter> {
        SortOrder::ALL
            .into_iter()
            .find(|sort| sort.as_str() == value)
            .ok_or_else(|| BadFilter(format!("{value:?} is not a way to sort work orders.")))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Newest => "newest",
            SortOrder::Oldest => "oldest",
            SortOrder::Due => "due",
            SortOrder::Priority => "priority",
            SortOrder::Title => "title",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortOrder::Newest => "Newest first",
            SortOrder::Oldest => "Oldest first",
            SortOrder::Due => "Due date",
            SortOrder::Priority => "Priority",
            SortOrder::Title => "Title",
        }
    }

    /// Every order ends with the id, so equal keys keep a stable order.
    fn sql(self) -> &'static str {
        match self {
            SortOrder::Newest => "t.id DESC",
            SortOrder::Oldest => "t.id ASC",
            SortOrder::Due => "COALESCE(t.due_on, '9999-12-31'), t.id",
            SortOrder::Priority => {
                "CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
                 WHEN 'normal' THEN 2 ELSE 3 END, t.id DESC"
            }
            SortOrder::Title => "LOWER(t.title), t.id",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AssigneeFilter {
    #[default]
    Anyone,
    Unassigned,
    User(i64),
}

/// What the list shows, as read from the query string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub assignee: AssigneeFilter,
    pub location: Option<i64>,
    pub overdue: bool,
    pub search: String,
    pub sort: SortOrder,
    pub page: i64,
}

impl TaskFilter {
    /// Reads `status`, `priority` (each may repeat), `assignee` (a user id or
    /// `unassigned`), `location`, `overdue`, `q`, `sort` and `page`. Empty
    /// values mean "no filter"; unknown keys are ignored.
    pub fn parse(query: &str) -> Result<TaskFilter, BadFilter> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| BadFilter("The filter in the address could not be read.".into()))?;
        let mut filter = TaskFilter {
            page: 1,
            ..TaskFilter::default()
        };
        for (key, value) in pairs {
            let value = value.trim();
            if !value.is_empty() {
                filter.apply(&key, value)?;
            }
        }
        Ok(filter)
    }

    fn apply(&mut self, key: &str, value: &str) -> Result<(), BadFilter> {
        match key {
            "status" => self.statuses.push(Status::parse(value).map_err(BadFilter)?),
            "priority" => self
                .priorities
                .push(Priority::parse(value).map_err(BadFilter)?),
            "assignee" => self.assignee = parse_assignee(value)?,
            "location" => self.location = Some(parse_id(value, "location")?),
            "overdue" => self.overdue = parse_flag(value)?,
            "q" => self.search = value.to_owned(),
            "sort" => self.sort = SortOrder::parse(value)?,
            "page" => self.page = parse_page(value)?,
            _ => {}
        }
        Ok(())
    }

    /// The query string for page `page` of this same filter.
    pub fn query_for_page(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        pairs.extend(self.statuses.iter().map(|s| ("status", s.as_str().into())));
        pairs.extend(
            self.priorities
                .iter()
                .map(|p| ("priority", p.as_str().into())),
        );
        match self.assignee {
            AssigneeFilter::Anyone => {}
            AssigneeFilter::Unassigned => pairs.push(("assignee", "unassigned".into())),
            AssigneeFilter::User(id) => pairs.push(("assignee", id.to_string())),
        }
        if let Some(location) = self.location {
            pairs.push(("location", location.to_string()));
        }
        if self.overdue {
            pairs.push(("overdue", "1".into()));
        }
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        if self.sort != SortOrder::Newest {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        pairs.push(("page", page.to_string()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    pub fn has_status(&self, status: &Status) -> bool {
        self.statuses.contains(status)
    }

    pub fn has_priority(&self, priority: &Priority) -> bool {
        self.priorities.contains(priority)
    }

    pub fn assignee_value(&self) -> String {
        match self.assignee {
            AssigneeFilter::Anyone => String::new(),
            AssigneeFilter::Unassigned => "unassigned".into(),
            AssigneeFilter::User(id) => id.to_string(),
        }
    }
}

fn parse_id(value: &str, what: &str) -> Result<i64, BadFilter> {
    value
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| BadFilter(format!("{value:?} is not a {what}.")))
}

fn parse_assignee(value: &str) -> Result<AssigneeFilter, BadFilter> {
    match value {
        "unassigned" => Ok(AssigneeFilter::Unassigned),
        other => parse_id(other, "person to filter by").map(AssigneeFilter::User),
    }
}

fn parse_flag(value: &str) -> Result<bool, BadFilter> {
    match value {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        other => Err(BadFilter(format!(
            "{other:?} is not a yes/no value for overdue."
        ))),
    }
}

fn parse_page(value: &str) -> Result<i64, BadFilter> {
    value
        .parse::<i64>()
        .ok()
        .filter(|page| (1..=1_000_000).contains(page))
        .ok_or_else(|| BadFilter(format!("{value:?} is not a page number.")))
}

/// Whose work orders a query may see: staff only those assigned to them.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub user_id: i64,
    pub sees_all: bool,
}

#[derive(Deserialize)]
struct TaskRowData {
    id: i64,
    title: String,
    status: String,
    priority: String,
    location_id: Option<i64>,
    due_on: Option<String>,
    assignee_name: Option<String>,
}

/// One line of the list.
#[derive(Clone, Debug)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub location: String,
    pub due_on: Option<String>,
    pub assignee: Option<String>,
    pub overdue: bool,
}

impl TaskRow {
    pub fn pill_class(&self) -> &'static str {
        match self.status {
            Status::Open => "pill pill-open",
            Status::InProgress => "pill pill-progress",
            Status::Done => "pill pill-done",
            Status::OnHold | Status::Cancelled => "pill pill-muted",
        }
    }

    pub fn due_text(&self) -> &str {
        self.due_on.as_deref().unwrap_or("")
    }

    pub fn assignee_text(&self) -> &str {
        self.assignee.as_deref().unwrap_or("Unassigned")
    }
}

/// One page of the list and where it sits among the matches.
///
/// Matches are counted only a few pages past the one shown, so a filter
/// matching most of a large facility costs no more than a narrow one; when
/// the count stops short, `total` and `pages` are lower bounds.
#[derive(Debug)]
pub struct TaskPage {
    pub rows: Vec<TaskRow>,
    pub total: i64,
    pub total_is_exact: bool,
    pub page: i64,
    pub pages: i64,
}

impl TaskPage {
    /// "120 work orders match." or "More than 1,050 work orders match."
    pub fn match_text(&self) -> String {
        let noun = if self.total == 1 {
            "work order matches"
        } else {
            "work orders match"
        };
        match self.total_is_exact {
            true => format!("{} {noun}.", thousands(self.total)),
            false => format!("More than {} work orders match.", thousands(self.total)),
        }
    }

    /// "Page 2 of 3", or "Page 2 of 22 or more" when the count stopped short.
    pub fn position_text(&self) -> String {
        let more = if self.total_is_exact { "" } else { " or more" };
        format!("Page {} of {}{more}", self.page, self.pages)
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages || !self.total_is_exact
    }
}

/// 1050 as "1,050".
fn thousands(number: i64) -> String {
    let digits = number.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if number < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// Today as the tables store due dates, `YYYY-MM-DD` in UTC.
pub fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

enum Arg {
    Int(i64),
    Text(String),
}

/// A WHERE clause with its numbered placeholders and their values.
struct Conditions {
    cte: String,
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    fn placeholder(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn build(viewer: Viewer, filter: &TaskFilter) -> Conditions {
        let mut conditions = Conditions {
            cte: String::new(),
            clauses: vec!["1 = 1".into()],
            args: Vec::new(),
        };
        if !viewer.sees_all {
            let me = conditions.placeholder(Arg::Int(viewer.user_id));
            conditions.clauses.push(format!("t.assignee_id = {me}"));
        }
        conditions.add_choices(filter);
        conditions.add_assignee(filter.assignee);
        conditions.add_location(filter.location);
        conditions.add_overdue(filter.overdue);
        conditions.add_search(&filter.search);
        conditions
    }

    fn add_in(&mut self, column: &str, values: Vec<&str>) {
        if values.is_empty() {
            return;
        }
        let list: Vec<String> = values
            .into_iter()
            .map(|value| self.placeholder(Arg::Text(value.into())))
            .collect();
        self.clauses
            .push(format!("{column} IN ({})", list.join(", ")));
    }

    fn add_choices(&mut self, filter: &TaskFilter) {
        self.add_in(
            "t.status",
            filter.statuses.iter().map(|s| s.as_str()).collect(),
        );
        let priorities = filter.priorities.iter().map(|p| p.as_str()).collect();
        self.add_in("t.priority", priorities);
    }

    fn add_assignee(&mut self, assignee: AssigneeFilter) {
        match assignee {
            AssigneeFilter::Anyone => {}
            AssigneeFilter::Unassigned => self.clauses.push("t.assignee_id IS NULL".into()),
            AssigneeFilter::User(id) => {
                let id = self.placeholder(Arg::Int(id));
                self.clauses.push(format!("t.assignee_id = {id}"));
            }
        }
    }

    fn add_location(&mut self, location: Option<i64>) {
        if let Some(location) = location {
            let id = self.placeholder(Arg::Int(location));
            self.cte = subtree_cte(&id);
            self.clauses
                .push("t.location_id IN (SELECT id FROM subtree)".into());
        }
    }

    fn add_overdue(&mut self, overdue: bool) {
        if overdue {
            let today = self.placeholder(Arg::Text(today()));
            self.clauses.push(format!(
                "t.due_on < {today} AND t.status IN {ACTIVE_STATUSES}"
            ));
        }
    }

    /// A substring match, so no index can serve it: every row the other
    /// filters leave is read.
    fn add_search(&mut self, search: &str) {
        if search.is_empty() {
            return;
        }
        let pattern = self.placeholder(Arg::Text(format!("%{}%", escape_like(search))));
        self.clauses.push(format!(
            "(LOWER(t.title) LIKE LOWER({pattern}) ESCAPE '\\' \
             OR LOWER(t.description) LIKE LOWER({pattern}) ESCAPE '\\')"
        ));
    }

    fn where_clause(&self) -> String {
        self.clauses.join(" AND ")
    }
}

/// Makes `%`, `_` and `\` match themselves in a LIKE pattern.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

async fn fetch_rows(
    pool: &AnyPool,
    conditions: Conditions,
    order: &str,
    limit: Option<(i64, i64)>,
) -> AppResult<Vec<TaskRowData>> {
    let paging = match limit {
        Some((limit, offset)) => format!(" LIMIT {limit} OFFSET {offset}"),
        None => String::new(),
    };
    let query = format!(
        "{} SELECT t.id, t.title, t.status, t.priority, t.location_id, t.due_on,
                u.name AS assignee_name
         FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id
         WHERE {} ORDER BY {order}{paging}",
        conditions.cte,
        conditions.where_clause()
    );
    let columns = [
        "id",
        "title",
        "status",
        "priority",
        "location_id",
        "due_on",
        "assignee_name",
    ];
    let sql = json_rows_query(Backend::of(pool), &query, &columns);
    let mut query = sqlx::query_scalar::<_, String>(&sql);
    for arg in conditions.args {
        query = match arg {
            Arg::Int(value) => query.bind(value),
            Arg::Text(value) => query.bind(value),
        };
    }
    let json = query.fetch_one(pool).await?;
    Ok(parse_json_rows(&json)?)
}

/// The number of matching rows, but counting stops at `cap`.
async fn count_rows_up_to(pool: &AnyPool, conditions: Conditions, cap: i64) -> AppResult<i64> {
    let sql = format!(
        "{} SELECT COUNT(*) FROM (SELECT 1 FROM tasks t WHERE {} LIMIT {cap}) matching",
        conditions.cte,
        conditions.where_clause()
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for arg in conditions.args {
        query = match arg {
            Arg::Int(value) => query.bind(value),
            Arg::Text(value) => query.bind(value),
        };
    }
    Ok(query.fetch_one(pool).await?)
}

fn into_rows(data: Vec<TaskRowData>, locations: &[LocationPath]) -> AppResult<Vec<TaskRow>> {
    let paths: HashMap<i64, &str> = locations
        .iter()
        .map(|location| (location.id, location.path_label.as_str()))
        .collect();
    let today = today();
    data.into_iter()
        .map(|row| task_row(row, &paths, &today))
        .collect()
}

fn task_row(row: TaskRowData, paths: &HashMap<i64, &str>, today: &str) -> AppResult<TaskRow> {
    let status = Status::parse(&row.status).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let priority =
        Priority::parse(&row.priority).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let overdue = status.is_active() && row.due_on.as_deref().is_some_and(|due| due < today);
    let location = row
        .location_id
        .and_then(|id| paths.get(&id))
        .map(|path| path.to_string())
        .unwrap_or_default();
    Ok(TaskRow {
        id: row.id,
        title: row.title,
        status,
        priority,
        location,
        due_on: row.due_on,
        assignee: row.assignee_name,
        overdue,
    })
}

/// How many pages past the one shown the pager counts.
const PAGES_COUNTED_AHEAD: i64 = 20;

/// The page `filter.page` of the list, `PAGE_SIZE` rows at most, with each
/// row's location named from `locations`.
///
/// Pages are counted by offset, so a very deep page reads past every row
/// before it.
pub async fn list_page(
    pool: &AnyPool,
    viewer: Viewer,
    filter: &TaskFilter,
    locations: &[LocationPath],
) -> AppResult<TaskPage> {
    let offset = (filter.page - 1) * PAGE_SIZE;
    let cap = offset + PAGE_SIZE * (1 + PAGES_COUNTED_AHEAD) + 1;
    let counted = count_rows_up_to(pool, Conditions::build(viewer, filter), cap).await?;
    let total_is_exact = counted < cap;
    let total = counted.min(cap - 1);
    let limit = Some((PAGE_SIZE, offset));

    let data = fetch_rows(
        pool,
        Conditions::build(viewer, filter),
        filter.sort.sql(),
        limit,
    )
    .await?;
    Ok(TaskPage {
        rows: into_rows(data, locations)?,
        total,
        total_is_exact,
        page: filter.page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
    })
}

/// The first `limit` matching rows, for short lists.
pub async fn list_first(
    pool: &AnyPool,
    viewer: Viewer,
    filter: &TaskFilter,
    limit: i64,
    locations: &[LocationPath],
) -> AppResult<Vec<TaskRow>> {
    let conditions = Conditions::build(viewer, filter);
    let data = fetch_rows(pool, conditions, filter.sort.sql(), Some((limit, 0))).await?;
    into_rows(data, locations)
}

/// Every matching row, for the export. The rows are held in memory at once.
pub async fn list_all(
    pool: &AnyPool,
    viewer: Viewer,
    filter: &TaskFilter,
    locations: &[LocationPath],
) -> AppResult<Vec<TaskRow>> {
    let conditions = Conditions::build(viewer, filter);
    let data = fetch_rows(pool, conditions, filter.sort.sql(), None).await?;
    into_rows(data, locations)
}

/// The rows as a CSV file with a header row. A cell that a spreadsheet
/// would read as a formula gets a leading `'`.
pub fn to_csv(rows: &[TaskRow]) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "ID", "Title", "Status", "Priority", "Location", "Assignee", "Due", "Overdue",
    ];
    writer.write_record(header).map_err(csv_error)?;
    for row in rows {
        let record = [
            row.id.to_string(),
            spreadsheet_safe(&row.title),
            row.status.label().into(),
            row.priority.label().into(),
            spreadsheet_safe(&row.location),
            spreadsheet_safe(row.assignee.as_deref().unwrap_or("")),
            row.due_text().into(),
            if row.overdue { "yes" } else { "no" }.into(),
        ];
        writer.write_record(&record).map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|error| AppError::Internal(anyhow::anyhow!("cannot finish the CSV: {error}")))
}

fn csv_error(error: csv::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("cannot write the CSV: {error}"))
}

fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// How many active work orders are assigned to one person.
#[derive(Clone, Debug, Deserialize)]
pub struct AssigneeLoad {
    pub user_id: i64,
    pub name: String,
    pub open: i64,
    pub in_progress: i64,
    pub on_hold: i64,
    pub total: i64,
}

/// Active work orders per assignee, busiest first.
///
/// The counts come from `assignee_task_counts`, which triggers keep current
/// as work orders are created, reassigned and moved between statuses.
pub async fn active_per_assignee(pool: &AnyPool) -> AppResult<Vec<AssigneeLoad>> {
    let query = format!(
        "SELECT u.id AS user_id, u.name,
                {open} AS open, {in_progress} AS in_progress, {on_hold} AS on_hold,
                CAST(SUM(c.n) AS BIGINT) AS total
         FROM assignee_task_counts c
         JOIN users u ON u.id = c.assignee_id
         WHERE c.status IN {ACTIVE_STATUSES}
         GROUP BY u.id, u.name
         HAVING SUM(c.n) > 0
         ORDER BY total DESC, u.name, u.id",
        open = count_of("open"),
        in_progress = count_of("in_progress"),
        on_hold = count_of("on_hold"),
    );
    let columns = ["user_id", "name", "open", "in_progress", "on_hold", "total"];
    fetch_json_rows(pool, &query, &columns).await
}

/// The summed count of one status, as a BIGINT on both databases (a plain
/// SUM is NUMERIC on PostgreSQL).
fn count_of(status: &str) -> String {
    format!("CAST(COALESCE(SUM(CASE WHEN c.status = '{status}' THEN c.n END), 0) AS BIGINT)")
}

/// The number of work orders assigned to `user_id` in each active status.
pub async fn my_active_counts(pool: &AnyPool, user_id: i64) -> AppResult<Vec<(Status, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT status, COUNT(*) FROM tasks
         WHERE assignee_id = $1 AND status IN {ACTIVE_STATUSES} GROUP BY status"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?;

    let counts = Status::ALL
        .into_iter()
        .filter(|status| status.is_active())
        .map(|status| {
            let count = rows
                .iter()
                .find(|(name, _)| name == status.as_str())
                .map_or(0, |(_, count)| *count);
            (status, count)
        })
        .collect();
    Ok(counts)
}

/// A filter for the active statuses only.
pub fn active_filter() -> TaskFilter {
    TaskFilter {
        statuses: Status::ALL.into_iter().filter(|s| s.is_active()).collect(),
        page: 1,
        ..TaskFilter::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_survives_the_trip_through_page_links() {
        let query = "status=open&status=on_hold&priority=urgent&assignee=unassigned\
                     &location=4&overdue=1&q=leak+%25&sort=due&page=3";
        let filter = TaskFilter::parse(query).unwrap();

        let again = TaskFilter::parse(&filter.query_for_page(3)).unwrap();

        assert_eq!(again, filter);
        assert_eq!(filter.search, "leak %");
    }

    #[test]
    fn counts_read_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1050), "1,050");
        assert_eq!(thousands(100000), "100,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn like_wildcards_in_a_search_match_themselves() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_quote() {
        assert_eq!(spreadsheet_safe("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(spreadsheet_safe("@cmd"), "'@cmd");
        assert_eq!(spreadsheet_safe("Fix door"), "Fix door");
    }
}
