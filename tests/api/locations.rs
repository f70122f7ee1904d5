//! The location tree and its admin page.

use caretaker::accounts::Role;
use caretaker::locations::{list_with_paths, subtree_ids};
use reqwest::StatusCode;

use crate::helpers::{spawn_app, TestClient};
use crate::task_list::{insert_task, TaskSpec};

async fn add(client: &TestClient, kind: &str, parent: &str, name: &str) -> crate::helpers::Page {
    client
        .post_form(
            "/admin/locations",
            &[("kind", kind), ("parent_id", parent), ("name", name)],
        )
        .await
}

async fn id_of(app: &crate::helpers::TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM locations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn location_count(app: &crate::helpers::TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM locations")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_builds_a_tree_that_the_page_shows_indented() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;

    let site = add(&admin, "site", "", "HQ").await;
    let hq = id_of(&app, "HQ").await.to_string();
    add(&admin, "building", &hq, "Building A").await;
    let building = id_of(&app, "Building A").await.to_string();
    add(&admin, "floor", &building, "Floor 2").await;
    let floor = id_of(&app, "Floor 2").await.to_string();
    add(&admin, "room", &floor, "Room 201").await;
    add(&admin, "building", &hq, "Annex").await;
    let page = admin.get("/admin/locations").await;

    assert_eq!(site.status, StatusCode::SEE_OTHER);
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("— — — Room 201"), "rooms sit three levels in");
    let paths: Vec<String> = list_with_paths(&app.db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|location| location.path_label)
        .collect();
    assert_eq!(
        paths,
        [
            "HQ",
            "HQ › Annex",
            "HQ › Building A",
            "HQ › Building A › Floor 2",
            "HQ › Building A › Floor 2 › Room 201",
        ]
    );
}

#[tokio::test]
async fn a_child_of_the_wrong_level_is_refused() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    add(&admin, "site", "", "HQ").await;
    let hq = id_of(&app, "HQ").await.to_string();

    let room_in_site = add(&admin, "room", &hq, "Broom cupboard").await;
    let site_in_site = add(&admin, "site", &hq, "Second site").await;
    let orphan_floor = add(&admin, "floor", "", "Floating floor").await;

    assert_eq!(room_in_site.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(room_in_site.contains("A room must be placed inside a floor."));
    assert!(
        room_in_site.contains(r#"value="Broom cupboard""#),
        "the input is kept"
    );
    assert!(site_in_site.contains("A site cannot be placed inside another location."));
    assert!(orphan_floor.contains("A floor must be placed inside a building."));
    assert_eq!(location_count(&app).await, 1);
}

#[tokio::test]
async fn a_location_with_children_or_work_orders_cannot_be_deleted() {
    let app = spawn_app().await;
    let (admin_user, admin) = app.logged_in(Role::Admin).await;
    add(&admin, "site", "", "HQ").await;
    let hq = id_of(&app, "HQ").await;
    add(&admin, "building", &hq.to_string(), "Depot").await;
    let depot = id_of(&app, "Depot").await;
    insert_task(&app, admin_user.id, TaskSpec::new("Sweep").location(depot)).await;

    let delete_site = admin
        .post_form(&format!("/admin/locations/{hq}/delete"), &[])
        .await;
    let delete_depot = admin
        .post_form(&format!("/admin/locations/{depot}/delete"), &[])
        .await;

    assert_eq!(delete_site.status, StatusCode::CONFLICT);
    assert!(delete_site.contains("still has sub-locations"));
    assert_eq!(delete_depot.status, StatusCode::CONFLICT);
    assert!(delete_depot.contains("still has 1 work order(s)"));
    assert_eq!(location_count(&app).await, 2);
}

#[tokio::test]
async fn an_empty_location_can_be_renamed_and_deleted() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    add(&admin, "site", "", "HQ").await;
    let hq = id_of(&app, "HQ").await;

    let renamed = admin
        .post_form(
            &format!("/admin/locations/{hq}/rename"),
            &[("name", "Head Office")],
        )
        .await;
    let page = admin.get("/admin/locations").await;
    let blank = admin
        .post_form(&format!("/admin/locations/{hq}/rename"), &[("name", "  ")])
        .await;
    let deleted = admin
        .post_form(&format!("/admin/locations/{hq}/delete"), &[])
        .await;

    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert!(page.contains("Head Office"));
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.contains("A location needs a name."));
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(location_count(&app).await, 0);
}

#[tokio::test]
async fn sub_location_ids_cover_the_whole_branch_and_nothing_else() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    add(&admin, "site", "", "HQ").await;
    let hq = id_of(&app, "HQ").await.to_string();
    add(&admin, "building", &hq, "East").await;
    add(&admin, "building", &hq, "West").await;
    let east = id_of(&app, "East").await;
    add(&admin, "floor", &east.to_string(), "East ground").await;
    let ground = id_of(&app, "East ground").await;

    let mut ids = subtree_ids(&app.db.pool, east).await.unwrap();
    ids.sort();

    assert_eq!(ids, [east, ground]);
    assert!(subtree_ids(&app.db.pool, 424242).await.unwrap().is_empty());
}

#[tokio::test]
async fn staff_and_managers_cannot_manage_locations() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    add(&admin, "site", "", "HQ").await;
    let hq = id_of(&app, "HQ").await;

    for role in [Role::Staff, Role::Manager] {
        let (_, client) = app.logged_in(role).await;

        let page = client.get("/admin/locations").await;
        let create = add(&client, "site", "", "Rogue site").await;
        let delete = client
            .post_form(&format!("/admin/locations/{hq}/delete"), &[])
            .await;

        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(create.status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(delete.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    assert_eq!(location_count(&app).await, 1);
}
