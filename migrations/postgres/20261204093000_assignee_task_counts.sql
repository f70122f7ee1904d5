-- How many work orders each person has in each status, kept current by a
-- trigger, so the dashboard's team summary reads a few hundred rows instead
-- of counting every work order on each visit.
CREATE TABLE assignee_task_counts (
    assignee_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (assignee_id, status)
);

INSERT INTO assignee_task_counts (assignee_id, status, n)
SELECT assignee_id, status, COUNT(*) FROM tasks
WHERE assignee_id IS NOT NULL
GROUP BY assignee_id, status;

CREATE FUNCTION count_assignee_tasks() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.assignee_id IS NOT NULL THEN
            UPDATE assignee_task_counts SET n = n - 1
            WHERE assignee_id = OLD.assignee_id AND status = OLD.status;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.assignee_id IS NOT NULL THEN
            INSERT INTO assignee_task_counts (assignee_id, status, n)
            VALUES (NEW.assignee_id, NEW.status, 1)
            ON CONFLICT (assignee_id, status)
            DO UPDATE SET n = assignee_task_counts.n + 1;
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tasks_counted
AFTER INSERT OR DELETE OR UPDATE OF assignee_id, status ON tasks
FOR EACH ROW EXECUTE FUNCTION count_assignee_tasks();
