-- How many work orders each person has in each status, kept current by
-- triggers, so the dashboard's team summary reads a few hundred rows instead
-- of counting every work order on each visit.
CREATE TABLE assignee_task_counts (
    assignee_id INTEGER NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (assignee_id, status)
);

INSERT INTO assignee_task_counts (assignee_id, status, n)
SELECT assignee_id, status, COUNT(*) FROM tasks
WHERE assignee_id IS NOT NULL
GROUP BY assignee_id, status;

CREATE TRIGGER tasks_counted_on_insert AFTER INSERT ON tasks
WHEN NEW.assignee_id IS NOT NULL
BEGIN
    INSERT INTO assignee_task_counts (assignee_id, status, n)
    VALUES (NEW.assignee_id, NEW.status, 1)
    ON CONFLICT (assignee_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tasks_counted_on_update AFTER UPDATE OF assignee_id, status ON tasks
BEGIN
    UPDATE assignee_task_counts SET n = n - 1
    WHERE assignee_id = OLD.assignee_id AND status = OLD.status;
    INSERT INTO assignee_task_counts (assignee_id, status, n)
    SELECT NEW.assignee_id, NEW.status, 1 WHERE NEW.assignee_id IS NOT NULL
    ON CONFLICT (assignee_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tasks_counted_on_delete AFTER DELETE ON tasks
WHEN OLD.assignee_id IS NOT NULL
BEGIN
    UPDATE assignee_task_counts SET n = n - 1
    WHERE assignee_id = OLD.assignee_id AND status = OLD.status;
END;
