-- Indexes for the work-order list, so that it stays quick with many rows.

-- Sorting by title ignores case; this index holds titles in that order.
CREATE INDEX tasks_title ON tasks (LOWER(title), id);

-- Sorting by due date puts work orders without one last, the same way on
-- both databases, by reading a missing date as the far future.
CREATE INDEX tasks_due_sort ON tasks (COALESCE(due_on, '9999-12-31'), id);

-- "Overdue" asks for active statuses with a due date before today; this
-- answers it from the index alone.
CREATE INDEX tasks_status_due ON tasks (status, due_on);
