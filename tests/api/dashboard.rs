//! The home page: a person's open and overdue work, and the team's load.

use caretaker::accounts::Role;
use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::task_list::{insert_task, TaskSpec};

/// The text of the dashboard section with this id.
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = body[start..].find("</section>").unwrap() + start;
    &body[start..end]
}

/// The open, in progress, on hold and total cells of a person's load row.
fn load_cells<'a>(load: &'a str, name: &str) -> Vec<&'a str> {
    let row = &load[load.find(name).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split(r#"<td class="num">"#)
        .skip(1)
        .map(|cell| &cell[..cell.find('<').unwrap()])
        .collect()
}

#[tokio::test]
async fn staff_see_their_open_work_by_status_and_what_is_overdue() {
    let app = spawn_app().await;
    let manager = app.add_user(Role::Manager).await;
    let (staff, client) = app.logged_in(Role::Staff).await;
    let colleague = app.add_user(Role::Staff).await;
    let mine = |title| TaskSpec::new(title).assignee(staff.id);
    insert_task(&app, manager.id, mine("Mop the lobby")).await;
    insert_task(&app, manager.id, mine("Fix the fence").due_in_days(-2)).await;
    insert_task(
        &app,
        manager.id,
        mine("Wire the lamp").status("in_progress"),
    )
    .await;
    insert_task(
        &app,
        manager.id,
        mine("Old job").status("done").due_in_days(-9),
    )
    .await;
    let theirs = TaskSpec::new("Colleague's job").assignee(colleague.id);
    insert_task(&app, manager.id, theirs.due_in_days(-1)).await;

    let page = client.get("/").await;

    assert_eq!(page.status, StatusCode::OK);
    let my_work = section(&page.body, "my-work");
    assert!(my_work.contains(r#"<td>Open</td><td class="num">2</td>"#));
    assert!(my_work.contains(r#"<td>In progress</td><td class="num">1</td>"#));
    assert!(my_work.contains(r#"<td>On hold</td><td class="num">0</td>"#));
    assert!(my_work.contains("Mop the lobby") && my_work.contains("Wire the lamp"));
    assert!(!my_work.contains("Old job"));
    let overdue = section(&page.body, "my-overdue");
    assert!(overdue.contains("Fix the fence"));
    assert!(!overdue.contains("Mop the lobby"));
    assert!(!page.contains("Colleague"));
    assert!(!page.contains(r#"id="team-load""#));
    assert!(!page.contains(r#"id="unassigned""#));
}

#[tokio::test]
async fn managers_also_see_active_work_per_person_and_the_unassigned() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    let dana = app.add_user(Role::Staff).await;
    let eli = app.add_user(Role::Staff).await;
    for title in ["One", "Two"] {
        insert_task(&app, manager.id, TaskSpec::new(title).assignee(dana.id)).await;
    }
    let on_hold = TaskSpec::new("Three").assignee(dana.id).status("on_hold");
    insert_task(&app, manager.id, on_hold).await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Four").assignee(eli.id).status("done"),
    )
    .await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Up for grabs").priority("urgent"),
    )
    .await;
    insert_task(
        &app,
        manager.id,
        TaskSpec::new("Dropped").status("cancelled"),
    )
    .await;

    let page = client.get("/").await;

    let load = section(&page.body, "team-load");
    assert_eq!(load_cells(load, &dana.name), ["2", "0", "1", "3"]);
    assert!(!load.contains(&eli.name), "Eli has nothing active");
    let unassigned = section(&page.body, "unassigned");
    assert!(unassigned.contains("Up for grabs"));
    assert!(!unassigned.contains("Dropped"));
}

#[tokio::test]
async fn the_team_load_follows_reassignments_and_status_changes() {
    let app = spawn_app().await;
    let (manager, client) = app.logged_in(Role::Manager).await;
    let dana = app.add_user(Role::Staff).await;
    let eli = app.add_user(Role::Staff).await;
    let mut tasks = Vec::new();
    for title in ["Paint", "Sweep", "Oil hinges"] {
        let spec = TaskSpec::new(title).assignee(dana.id);
        tasks.push(insert_task(&app, manager.id, spec).await);
    }

    let to_eli = client
        .post_form(
            &format!("/tasks/{}/assign", tasks[0]),
            &[("assignee_id", &eli.id.to_string())],
        )
        .await;
    let started = client
        .post_form(
            &format!("/tasks/{}/status", tasks[1]),
            &[("status", "in_progress")],
        )
        .await;
    let finished = client
        .post_form(
            &format!("/tasks/{}/status", tasks[2]),
            &[("status", "done")],
        )
        .await;
    let page = client.get("/").await;

    for answer in [&to_eli, &started, &finished] {
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
    }
    let load = section(&page.body, "team-load");
    assert_eq!(load_cells(load, &dana.name), ["0", "1", "0", "1"]);
    assert_eq!(load_cells(load, &eli.name), ["1", "0", "0", "1"]);
}
