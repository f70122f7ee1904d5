-- Filtering by status and priority together, newest first, reads one range
-- of this index instead of every row of either status or priority.
CREATE INDEX tasks_status_priority ON tasks (status, priority, id);
