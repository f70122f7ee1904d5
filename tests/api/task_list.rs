//! The work-order list: filters, search, sorting, pages, CSV export.

use caretaker::accounts::Role;
use chrono::{Duration, Utc};
use reqwest::StatusCode;

use crate::helpers::{spawn_app, TestApp};

/// A work order to insert directly, as the create form would have stored it.
#[derive(Clone)]
pub struct TaskSpec {
    pub title: String,
    pub description: String,
    pub status: &'static str,
    pub priority: &'static str,
    pub assignee: Option<i64>,
    pub location: Option<i64>,
    pub due_on: Option<String>,
}

impl TaskSpec {
    pub fn new(title: &str) -> TaskSpec {
        TaskSpec {
            title: title.into(),
            description: String::new(),
            status: "open",
            priority: "normal",
            assignee: None,
            location: None,
            due_on: None,
        }
    }

    pub fn status(self, status: &'static str) -> TaskSpec {
        TaskSpec { status, ..self }
    }

    pub fn priority(self, priority: &'static str) -> TaskSpec {
        TaskSpec { priority, ..self }
    }

    pub fn assignee(self, id: i64) -> TaskSpec {
        TaskSpec {
            assignee: Some(id),
            ..self
        }
    }

    pub fn location(self, id: i64) -> TaskSpec {
        TaskSpec {
            location: Some(id),
            ..self
        }
    }

    pub fn due_in_days(self, days: i64) -> TaskSpec {
        TaskSpec {
            due_on: Some(days_from_today(days)),
            ..self
        }
    }

    pub fn description(self, text: &str) -> TaskSpec {
        TaskSpec {
            description: text.into(),
            ..self
        }
    }
}

pub fn days_from_today(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

pub async fn insert_task(app: &TestApp, created_by: i64, spec: TaskSpec) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO tasks (title, description, priority, status, location_id, due_on,
                            assignee_id, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0) RETURNING id",
    )
    .bind(spec.title)
    .bind(spec.description)
    .bind(spec.priority)
    .bind(spec.status)
    .bind(spec.location)
    .bind(spec.due_on)
    .bind(spec.assignee)
    .bind(created_by)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

pub async fn insert_location(app: &TestApp, parent: Option<i64>, kind: &str, name: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO locations (parent_id, kind, name, created_at)
         VALUES ($1, $2, $3, 0) RETURNING id",
    )
    .bind(parent)
    .bind(kind)
    .bind(name)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// The work-order titles in the list, top to bottom.
pub fn listed_titles(body: &str) -> Vec<String> {
    body.split(r#"<td><a href="/tasks/"#)
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('>')? + 1;
            let end = rest.find("</a>")?;
            Some(rest[start..end].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_status_filter_narrows_the_list_to_one_or_several_statuses() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    insert_task(&app, manager.id, TaskSpec::new("Fix the boiler")).await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Paint the hall").status("done"),
    )
    .await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Order keys").status("on_hold"),
    )
    .await;

    let done = client.get("/tasks?status=done").await;
    let several = client.get("/tasks?status=done&status=on_hold").await;

    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(listed_titles(&done.body), ["Paint the hall"]);
    assert_eq!(
        listed_titles(&several.body),
        ["Order keys", "Paint the hall"]
    );
}

#[tokio::test]
async fn the_assignee_filter_finds_a_persons_work_or_the_unassigned() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    let dana = app.add_user(Role::Staff).await;
    let eli = app.add_user(Role::Staff).await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Dana's job").assignee(dana.id),
    )
    .await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Eli's job").assignee(eli.id),
    )
    .await;
    insert_task(&app, manager.id, TaskSpec::new("Nobody's job")).await;

    let for_dana = client.get(&format!("/tasks?assignee={}", dana.id)).await;
    let unassigned = client.get("/tasks?assignee=unassigned").await;

    assert_eq!(listed_titles(&for_dana.body), ["Dana&#39;s job"]);
    assert_eq!(listed_titles(&unassigned.body), ["Nobody&#39;s job"]);
    assert!(
        for_dana.contains(&dana.name),
        "the assignee column names Dana"
    );
}

#[tokio::test]
async fn the_priority_filter_narrows_the_list() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Burst pipe").priority("urgent"),
    )
    .await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Loose tile").priority("low"),
    )
    .await;
    insert_task(&app, manager.id, TaskSpec::new("Dim bulb").priority("high")).await;

    let page = client.get("/tasks?priority=urgent&priority=high").await;

    assert_eq!(listed_titles(&page.body), ["Dim bulb", "Burst pipe"]);
}

#[tokio::test]
async fn a_location_filter_includes_work_in_its_sub_locations() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    let site = insert_location(&app, None, "site", "HQ").await;
    let building_a = insert_location(&app, Some(site), "building", "Building A").await;
    let floor = insert_location(&app, Some(building_a), "floor", "Floor 2").await;
    let room = insert_location(&app, Some(floor), "room", "Room 201").await;
    let building_b = insert_location(&app, Some(site), "building", "Building B").await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Fix radiator").location(room),
    )
    .await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Fix lift").location(building_b),
    )
    .await;
    insert_task(&app, manager.id, TaskSpec::new("Nowhere")).await;

    let in_a = client.get(&format!("/tasks?location={building_a}")).await;
    let on_site = client.get(&format!("/tasks?location={site}")).await;

    assert_eq!(listed_titles(&in_a.body), ["Fix radiator"]);
    assert!(in_a.contains("HQ › Building A › Floor 2 › Room 201"));
    assert_eq!(listed_titles(&on_site.body), ["Fix lift", "Fix radiator"]);
}

#[tokio::test]
async fn overdue_means_due_before_today_and_still_active() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    let late = TaskSpec::new("Late and open").due_in_days(-1);
    insert_task(&app, manager.id, late.clone()).await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Late but done")
            .due_in_days(-3)
            .status("done"),
    )
    .await;
    insert_task(&app, manager.id, TaskSpec::new("Due today").due_in_days(0)).await;
    insert_task(&app, manager.id, TaskSpec::new("No due date")).await;

    let overdue = client.get("/tasks?overdue=1").await;
    let everything = client.get("/tasks").await;

    assert_eq!(listed_titles(&overdue.body), ["Late and open"]);
    assert!(everything.contains(&format!("{} (overdue)", days_from_today(-1))));
    assert!(!everything.contains(&format!("{} (overdue)", days_from_today(-3))));
}

#[tokio::test]
async fn search_matches_title_or_description_in_any_case_and_wildcards_literally() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    insert_task(&app, manager.id, TaskSpec::new("Leaking TAP")).await;
    let described = TaskSpec::new("Kitchen").description("The tap drips");
    insert_task(&app, manager.id, described).await;
    insert_task(&app, manager.id, TaskSpec::new("Window latch")).await;
    insert_task(&app, manager.id, TaskSpec::new("Discount 50% paint")).await;
    insert_task(&app, manager.id, TaskSpec::new("Discount 500 paint")).await;

    let tap = client.get("/tasks?q=tap").await;
    let percent = client.get("/tasks?q=0%25").await;
    let underscore = client.get("/tasks?q=5_0").await;

    assert_eq!(listed_titles(&tap.body), ["Kitchen", "Leaking TAP"]);
    assert_eq!(listed_titles(&percent.body), ["Discount 50% paint"]);
    assert!(listed_titles(&underscore.body).is_empty());
}

#[tokio::test]
async fn sorting_orders_by_title_priority_or_due_date_with_ties_kept_stable() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    let spec = |title| TaskSpec::new(title);
    insert_task(
        &app,
        manager.id,
        spec("banana").priority("low").due_in_days(2),
    )
    .await;
    insert_task(&app, manager.id, spec("Apple").priority("urgent")).await;
    insert_task(
        &app,
        manager.id,
        spec("cherry").priority("urgent").due_in_days(1),
    )
    .await;
    insert_task(
        &app,
        manager.id,
        spec("apple").priority("high").due_in_days(1),
    )
    .await;

    let by_title = client.get("/tasks?sort=title").await;
    let by_priority = client.get("/tasks?sort=priority").await;
    let by_due = client.get("/tasks?sort=due").await;
    let oldest = client.get("/tasks?sort=oldest").await;
    let newest = client.get("/tasks").await;

    assert_eq!(
        listed_titles(&by_title.body),
        ["Apple", "apple", "banana", "cherry"]
    );
    assert_eq!(
        listed_titles(&by_priority.body),
        ["cherry", "Apple", "apple", "banana"]
    );
    assert_eq!(
        listed_titles(&by_due.body),
        ["cherry", "apple", "banana", "Apple"]
    );
    assert_eq!(
        listed_titles(&oldest.body),
        ["banana", "Apple", "cherry", "apple"]
    );
    assert_eq!(
        listed_titles(&newest.body),
        ["apple", "cherry", "Apple", "banana"]
    );
}

#[tokio::test]
async fn pages_hold_fifty_rows_and_their_links_keep_the_filters() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    for n in 1..=120 {
        let spec = TaskSpec::new(&format!("Urgent job {n:03}")).priority("urgent");
        insert_task(&app, manager.id, spec).await;
    }
    for n in 1..=5 {
        insert_task(&app, manager.id, TaskSpec::new(&format!("Calm job {n}"))).await;
    }

    let first = client.get("/tasks?priority=urgent&sort=title").await;
    let second = client.get(&link(&first.body, "next").unwrap()).await;
    let third = client.get(&link(&second.body, "next").unwrap()).await;

    let first_titles = listed_titles(&first.body);
    assert_eq!(first_titles.len(), 50);
    assert_eq!(first_titles[0], "Urgent job 001");
    assert!(first.contains("120 work orders match."));
    assert!(first.contains("Page 1 of 3"));
    assert_eq!(
        link(&first.body, "next").unwrap(),
        "/tasks?priority=urgent&sort=title&page=2"
    );
    assert_eq!(listed_titles(&second.body)[0], "Urgent job 051");
    let third_titles = listed_titles(&third.body);
    assert_eq!(third_titles.len(), 20);
    assert_eq!(third_titles[0], "Urgent job 101");
    assert_eq!(
        link(&third.body, "prev").unwrap(),
        "/tasks?priority=urgent&sort=title&page=2"
    );
    assert_eq!(link(&third.body, "next"), None);
}

#[tokio::test]
async fn a_huge_match_is_counted_only_some_pages_ahead() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    insert_many_tasks(&app, manager.id, 1_100).await;

    let first = client.get("/tasks").await;
    let twenty_first = client.get("/tasks?page=21").await;
    let last = client.get("/tasks?page=22").await;

    assert_eq!(listed_titles(&first.body)[0], "Bulk job 1100");
    assert!(first.contains("More than 1,050 work orders match."));
    assert!(first.contains("Page 1 of 21 or more"));
    assert_eq!(link(&first.body, "next").unwrap(), "/tasks?page=2");
    assert!(twenty_first.contains("1,100 work orders match."));
    assert!(twenty_first.contains("Page 21 of 22"));
    assert_eq!(listed_titles(&last.body).len(), 50);
    assert_eq!(listed_titles(&last.body)[49], "Bulk job 1");
    assert_eq!(link(&last.body, "next"), None);
}

/// Adds `count` open work orders titled "Bulk job 1" to "Bulk job {count}"
/// in one statement.
async fn insert_many_tasks(app: &TestApp, created_by: i64, count: i64) {
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO tasks (title, description, priority, status, created_by,
                            created_at, updated_at)
         SELECT 'Bulk job ' || i, '', 'normal', 'open', $2, 0, 0 FROM n",
    )
    .bind(count)
    .bind(created_by)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

/// The address of the page link with `rel`, as a browser would follow it.
fn link(body: &str, rel: &str) -> Option<String> {
    let marker = format!(r#"rel="{rel}" href=""#);
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

#[tokio::test]
async fn staff_see_only_the_work_orders_assigned_to_them() {
    let app = spawn_app().await;
    let manager = app.add_user(Role::Manager).await;
    let (staff, client) = app.logged_in(Role::Staff).await;
    let colleague = app.add_user(Role::Staff).await;
    insert_task(&app, manager.id, TaskSpec::new("Mine").assignee(staff.id)).await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Theirs").assignee(colleague.id),
    )
    .await;
    insert_task(&app, manager.id, TaskSpec::new("Nobody's")).await;

    let list = client.get("/tasks").await;
    let asking_for_theirs = client
        .get(&format!("/tasks?assignee={}", colleague.id))
        .await;
    let csv = client.get("/tasks.csv").await;

    assert_eq!(listed_titles(&list.body), ["Mine"]);
    assert!(listed_titles(&asking_for_theirs.body).is_empty());
    assert!(csv.contains("Mine"));
    assert!(!csv.contains("Theirs"));
}

#[tokio::test]
async fn the_csv_export_holds_every_matching_row_with_a_header() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    for n in 1..=60 {
        insert_task(&app, manager.id, TaskSpec::new(&format!("Open job {n}"))).await;
    }
    insert_task(&app, manager.id, TaskSpec::new("Closed job").status("done")).await;

    let response = client
        .http
        .get(format!("{}/tasks.csv?status=open", client.base))
        .send()
        .await
        .unwrap();
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.text().await.unwrap();

    assert!(content_type.starts_with("text/csv"));
    assert_eq!(disposition, r#"attachment; filename="work-orders.csv""#);
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[1], "Title");
    assert_eq!(&header[2], "Status");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 60);
    assert!(rows.iter().all(|row| &row[2] == "Open"));
}

#[tokio::test]
async fn the_csv_export_defuses_cells_a_spreadsheet_would_run() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    let room = insert_location(&app, None, "site", "@Annex").await;
    let spec = TaskSpec::new("=HYPERLINK(\"http://evil\")").location(room);
    insert_task(&app, manager.id, spec).await;
    insert_task(&app, manager.id, TaskSpec::new("-1+2")).await;

    let csv_page = client.get("/tasks.csv?sort=oldest").await;

    let mut reader = csv::Reader::from_reader(csv_page.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][1], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&rows[0][4], "'@Annex");
    assert_eq!(&rows[1][1], "'-1+2");
}

#[tokio::test]
async fn bad_filter_values_are_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let (_, client) = app.logged_in(Role::Manager).await;

    let cases = [
        ("/tasks?status=finished", "\"finished\" is not a status."),
        ("/tasks?priority=asap", "\"asap\" is not a priority."),
        ("/tasks?sort=sideways", "\"sideways\" is not a way to sort"),
        ("/tasks?assignee=bob", "\"bob\" is not a person"),
        (
            "/tasks?location=99999",
            "There is no location with id 99999.",
        ),
        ("/tasks?page=0", "\"0\" is not a page number."),
        ("/tasks?overdue=maybe", "\"maybe\" is not a yes/no value"),
        (
            "/tasks.csv?status=finished",
            "\"finished\" is not a status.",
        ),
    ];

    for (path, message) in cases {
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            page.contains(&message.replace('"', "&#34;")),
            "{path}: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn the_list_needs_a_login() {
    let app = spawn_app().await;
    app.add_user(Role::Admin).await;

    let page = app.client().get("/tasks").await;
    let csv = app.client().get("/tasks.csv").await;

    assert_eq!(page.location.as_deref(), Some("/login"));
    assert_eq!(csv.location.as_deref(), Some("/login"));
}
