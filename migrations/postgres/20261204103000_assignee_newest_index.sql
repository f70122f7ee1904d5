-- Staff see only their own work, newest first by default: this index hands
-- it over in that order instead of sorting all of a person's work orders.
CREATE INDEX tasks_assignee_newest ON tasks (assignee_id, id);
