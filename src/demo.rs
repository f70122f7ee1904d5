//! `caretaker demo`: a small but believable site to try Caretaker on.

use anyhow::{bail, Context};
use chrono::{Duration, Utc};
use sqlx::{Any, Transaction};

use crate::accounts::{count_users, hash_password, Password, Role};
use crate::db::{now, random_token, Db};
use crate::tasks::{Priority, Status};

/// One demo account, with the password generated for it.
#[derive(Clone, Debug)]
pub struct DemoLogin {
    pub role: Role,
    pub name: String,
    pub email: String,
    pub password: String,
}

const PEOPLE: [(Role, &str); 8] = [
    (Role::Admin, "Alice Morgan"),
    (Role::Manager, "Benjamin Okafor"),
    (Role::Manager, "Chloé Laurent"),
    (Role::Staff, "Diego Ramirez"),
    (Role::Staff, "Emma Lindqvist"),
    (Role::Staff, "Farid Haddad"),
    (Role::Staff, "Grace Kim"),
    (Role::Staff, "Hannah Novak"),
];

const BUILDINGS: [(&str, [&str; 2]); 3] = [
    ("Main Building", ["Ground Floor", "Floor 1"]),
    ("North Wing", ["Ground Floor", "Floor 1"]),
    ("Workshop", ["Ground Floor", "Mezzanine"]),
];

const TITLES: [(&str, &str); 40] = [
    (
        "Leaking tap in kitchen",
        "The cold tap drips constantly; washer probably worn.",
    ),
    (
        "Replace flickering ceiling light",
        "Fluorescent tube flickers near the window.",
    ),
    (
        "Radiator not heating",
        "Radiator stays cold even with the valve fully open.",
    ),
    (
        "Broken door closer",
        "Fire door slams shut; closer arm is loose.",
    ),
    ("Clogged toilet", "Second cubicle from the left is blocked."),
    (
        "Air conditioning too loud",
        "Rattling noise from the ceiling unit.",
    ),
    (
        "Window will not close",
        "Latch is bent; window stays ajar in the rain.",
    ),
    (
        "Replace carpet tiles",
        "Three tiles stained by coffee near the printer.",
    ),
    ("Smoke detector beeping", "Low battery chirp every minute."),
    (
        "Paint scuffed corridor wall",
        "Trolley marks along the corridor.",
    ),
    (
        "Jammed paper towel dispenser",
        "Lever is stuck; towels cannot be pulled.",
    ),
    (
        "Water stain on ceiling",
        "Brown patch growing under the plant room.",
    ),
    ("Fix wobbly desk", "Desk leg bolt has come loose."),
    (
        "Replace broken blind",
        "Slats snapped on the east-facing window.",
    ),
    (
        "Socket has no power",
        "Double socket under the desk is dead; check the breaker.",
    ),
    (
        "Emergency light test failed",
        "Exit sign light stays off on battery.",
    ),
    (
        "Check fire extinguisher",
        "Pressure gauge reads in the red zone.",
    ),
    (
        "Unblock drain in yard",
        "Standing water after rain near the bins.",
    ),
    (
        "Service the lift",
        "Quarterly service due; book the contractor.",
    ),
    ("Squeaky door hinge", "Meeting room door squeaks loudly."),
    (
        "Replace cracked floor tile",
        "Trip hazard at the entrance to the washroom.",
    ),
    (
        "Boiler pressure low",
        "Gauge shows 0.5 bar; top up and check for leaks.",
    ),
    (
        "Recalibrate thermostat",
        "Room reads 19°C while the thermostat shows 23°C.",
    ),
    (
        "Mould in shower room",
        "Black mould on the silicone around the tray.",
    ),
    (
        "Loose handrail on stairs",
        "Handrail moves when leaned on; fix the brackets.",
    ),
    (
        "Install coat hooks",
        "Staff asked for hooks near the entrance.",
    ),
    ("Replace worn door mat", "Mat edges curl up and catch feet."),
    (
        "Gutter overflowing",
        "Gutter above the workshop door overflows in rain.",
    ),
    (
        "Reset tripped breaker",
        "Workshop bench sockets tripped overnight.",
    ),
    ("Dripping urinal flush", "Flush valve runs continuously."),
    (
        "Move filing cabinets",
        "Two cabinets to move to the archive room.",
    ),
    (
        "Security light stays on",
        "Sensor light by the car park stays on during the day.",
    ),
    (
        "Repair broken chair",
        "Gas lift no longer holds the seat up.",
    ),
    (
        "Kitchen extractor fan dead",
        "Fan does not start; check the fuse spur.",
    ),
    (
        "Re-seal window frame",
        "Draught around the frame of the corner office.",
    ),
    (
        "Fix sticking lock",
        "Key turns only with force; lubricate or replace.",
    ),
    (
        "Replace projector bulb",
        "Projector warns the lamp is at end of life.",
    ),
    (
        "Pest control visit",
        "Signs of mice behind the vending machine.",
    ),
    (
        "Touch up door paint",
        "Paint chipped on the workshop doors.",
    ),
    (
        "Clear snow from fire exit",
        "Make sure the north fire exit path stays clear.",
    ),
];

/// Seeds a demo site, people and work orders into an empty database in one
/// transaction, and returns the logins. Refuses when any user exists.
pub async fn seed(db: &Db) -> anyhow::Result<Vec<DemoLogin>> {
    db.migrate().await?;
    if count_users(&db.pool).await? > 0 {
        bail!("This database already has users, so no demo data was added. Use an empty database for the demo.");
    }

    let logins = demo_logins();
    let hashes = hash_all(&logins).await?;
    let mut tx = db.pool.begin().await?;
    let user_ids = insert_users(&mut tx, &logins, &hashes).await?;
    let rooms = insert_locations(&mut tx).await?;
    insert_tasks(&mut tx, &user_ids, &rooms).await?;
    tx.commit().await.context("cannot save the demo data")?;
    Ok(logins)
}

fn demo_logins() -> Vec<DemoLogin> {
    PEOPLE
        .iter()
        .map(|(role, name)| {
            let local = name.to_lowercase().replace('é', "e").replace(' ', ".");
            DemoLogin {
                role: *role,
                name: (*name).to_owned(),
                email: format!("{local}@demo.caretaker.test"),
                password: random_token(16),
            }
        })
        .collect()
}

async fn hash_all(logins: &[DemoLogin]) -> anyhow::Result<Vec<String>> {
    let mut hashes = Vec::with_capacity(logins.len());
    for login in logins {
        let password = Password::parse(login.password.clone()).map_err(anyhow::Error::msg)?;
        hashes.push(hash_password(password).await?);
    }
    Ok(hashes)
}

async fn insert_users(
    tx: &mut Transaction<'_, Any>,
    logins: &[DemoLogin],
    hashes: &[String],
) -> anyhow::Result<Vec<(Role, i64)>> {
    let mut ids = Vec::with_capacity(logins.len());
    for (login, hash) in logins.iter().zip(hashes) {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&login.email)
        .bind(&login.name)
        .bind(login.role.as_str())
        .bind(hash)
        .bind(now())
        .fetch_one(&mut **tx)
        .await?;
        ids.push((login.role, id));
    }
    Ok(ids)
}

async fn insert_location(
    tx: &mut Transaction<'_, Any>,
    parent_id: Option<i64>,
    kind: &str,
    name: &str,
) -> anyhow::Result<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO locations (parent_id, kind, name, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(parent_id)
    .bind(kind)
    .bind(name)
    .bind(now())
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// The site, its buildings and floors, and three rooms per floor; returns
/// the room ids.
async fn insert_locations(tx: &mut Transaction<'_, Any>) -> anyhow::Result<Vec<i64>> {
    let site = insert_location(tx, None, "site", "Riverside Campus").await?;
    let mut rooms = Vec::new();
    for (building_index, (building, floors)) in BUILDINGS.iter().enumerate() {
        let building_id = insert_location(tx, Some(site), "building", building).await?;
        for (floor_index, floor) in floors.iter().enumerate() {
            let floor_id = insert_location(tx, Some(building_id), "floor", floor).await?;
            for room in 1..=3 {
                let number = (building_index + 1) * 100 + floor_index * 10 + room;
                let name = format!("Room {number}");
                rooms.push(insert_location(tx, Some(floor_id), "room", &name).await?);
            }
        }
    }
    Ok(rooms)
}

async fn insert_tasks(
    tx: &mut Transaction<'_, Any>,
    users: &[(Role, i64)],
    rooms: &[i64],
) -> anyhow::Result<()> {
    let staff: Vec<i64> = ids_of(users, Role::Staff);
    let managers: Vec<i64> = ids_of(users, Role::Manager);
    let created_at = now() - 14 * 24 * 3600;

    for (index, (title, description)) in TITLES.iter().enumerate() {
        let status = Status::ALL[index % Status::ALL.len()];
        let priority = Priority::ALL[(index / 2) % Priority::ALL.len()];
        // Every seventh work order waits for someone to pick it up.
        let assignee = (index % 7 != 3).then(|| staff[index % staff.len()]);
        let creator = managers[index % managers.len()];
        let task = DemoTask {
            title,
            description,
            status,
            priority,
            location: rooms[(index * 5) % rooms.len()],
            due_on: due_date(index),
            assignee,
            creator,
            created_at: created_at + index as i64 * 3600,
        };
        insert_task(tx, &task).await?;
    }
    Ok(())
}

fn ids_of(users: &[(Role, i64)], role: Role) -> Vec<i64> {
    users
        .iter()
        .filter(|(r, _)| *r == role)
        .map(|(_, id)| *id)
        .collect()
}

/// Due dates from ten days ago to three weeks ahead, so some work orders
/// are overdue; every fourth has no due date.
fn due_date(index: usize) -> Option<String> {
    if index % 4 == 2 {
        return None;
    }
    let offset = (index as i64 * 7) % 31 - 10;
    let due = Utc::now().date_naive() + Duration::days(offset);
    Some(due.format("%Y-%m-%d").to_string())
}

struct DemoTask<'a> {
    title: &'a str,
    description: &'a str,
    status: Status,
    priority: Priority,
    location: i64,
    due_on: Option<String>,
    assignee: Option<i64>,
    creator: i64,
    created_at: i64,
}

async fn insert_task(tx: &mut Transaction<'_, Any>, task: &DemoTask<'_>) -> anyhow::Result<()> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tasks (title, description, priority, status, location_id, due_on,
                            assignee_id, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(task.title)
    .bind(task.description)
    .bind(task.priority.as_str())
    .bind(task.status.as_str())
    .bind(task.location)
    .bind(task.due_on.clone())
    .bind(task.assignee)
    .bind(task.creator)
    .bind(task.created_at)
    .fetch_one(&mut **tx)
    .await?;

    sqlx::query(
        "INSERT INTO activity (task_id, actor_id, kind, created_at) VALUES ($1, $2, 'created', $3)",
    )
    .bind(id)
    .bind(task.creator)
    .bind(task.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
