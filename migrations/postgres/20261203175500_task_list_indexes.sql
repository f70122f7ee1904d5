-- The work-order list sorts by title without regard to case; this lets it
-- read titles in that order instead of sorting every matching row.
CREATE INDEX tasks_title ON tasks (LOWER(title), id);
