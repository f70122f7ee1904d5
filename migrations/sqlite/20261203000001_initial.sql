-- Caretaker's first schema, SQLite flavour. PostgreSQL has a twin under
-- migrations/postgres; both must describe the same tables and columns.
--
-- Times are unix seconds (INTEGER) and due dates ISO text (YYYY-MM-DD), so
-- that one set of queries reads both databases through sqlx's Any driver.
-- Flags are nullable timestamps (deactivated_at, read_at) rather than
-- booleans for the same reason, and they also say when a thing happened.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'manager', 'admin')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deactivated_at INTEGER,
    -- Bumped whenever this user's unread count changes, so browsers can tell
    -- a stale count from a fresh one.
    notification_seq INTEGER NOT NULL DEFAULT 0
);

-- Server-side sessions: deleting a user's rows ends every session at once,
-- on every node that shares this database.
CREATE TABLE sessions (
    key_hash TEXT PRIMARY KEY,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins per account and per client address, to slow down guessing.
CREATE TABLE login_failures (
    subject TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES locations (id),
    kind TEXT NOT NULL CHECK (kind IN ('site', 'building', 'floor', 'room')),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX locations_parent ON locations (parent_id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'on_hold', 'done', 'cancelled')),
    location_id INTEGER REFERENCES locations (id),
    due_on TEXT,
    assignee_id INTEGER REFERENCES users (id),
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- The list filters by these and sorts by id within them.
CREATE INDEX tasks_status ON tasks (status, id);
CREATE INDEX tasks_assignee ON tasks (assignee_id, status, id);
CREATE INDEX tasks_location ON tasks (location_id, id);
CREATE INDEX tasks_priority ON tasks (priority, id);
CREATE INDEX tasks_due ON tasks (due_on, id);

-- Every change to a work order and every comment, in order.
CREATE TABLE activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks (id),
    actor_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('created', 'changed', 'comment')),
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    body TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX activity_task ON activity (task_id, id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    task_id INTEGER REFERENCES tasks (id),
    message TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- Secrets generated on first run (cookie key, push credentials), shared by
-- every node that uses this database.
CREATE TABLE app_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
