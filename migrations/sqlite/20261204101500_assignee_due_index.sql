-- A person's own work by due date (the dashboard's lists): read from this
-- index in order, rather than walking every work order by due date looking
-- for theirs, which is slowest for someone with none.
CREATE INDEX tasks_assignee_due ON tasks (assignee_id, COALESCE(due_on, '9999-12-31'), id);
