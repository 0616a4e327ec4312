-- Navigation: userinterfaces (apps under test), their trees, the trees' history, measured edge
-- times and validation results. A tree is stored as one JSON document (docs/navigation.md): it
-- is always read, checked, planned over and versioned whole.
CREATE TABLE userinterfaces (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    models       TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

CREATE TABLE trees (
    id                INTEGER PRIMARY KEY,
    userinterface_id  INTEGER NOT NULL UNIQUE REFERENCES userinterfaces (id) ON DELETE CASCADE,
    version           INTEGER NOT NULL,
    document          TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;

CREATE TABLE tree_versions (
    tree_id     INTEGER NOT NULL REFERENCES trees (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    message     TEXT NOT NULL,
    document    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tree_id, version)
) STRICT;

-- Times of moves that passed feed `total_ms`; failures count in `runs` only.
CREATE TABLE edge_metrics (
    tree_id      INTEGER NOT NULL REFERENCES trees (id) ON DELETE CASCADE,
    edge_id      TEXT NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('forward', 'reverse')),
    runs         INTEGER NOT NULL,
    successes    INTEGER NOT NULL,
    total_ms     REAL NOT NULL,
    min_ms       REAL,
    max_ms       REAL,
    last_status  TEXT NOT NULL,
    last_at      TEXT NOT NULL,
    PRIMARY KEY (tree_id, edge_id, direction)
) STRICT;

CREATE TABLE validations (
    id            INTEGER PRIMARY KEY,
    tree_id       INTEGER NOT NULL REFERENCES trees (id) ON DELETE CASCADE,
    tree_version  INTEGER NOT NULL,
    host          TEXT NOT NULL,
    device        TEXT NOT NULL,
    status        TEXT NOT NULL,
    error         TEXT,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    moves         INTEGER NOT NULL,
    edges_total   INTEGER NOT NULL,
    edges_passed  INTEGER NOT NULL,
    efficiency    REAL NOT NULL,
    results       TEXT NOT NULL
) STRICT;
CREATE INDEX validations_by_tree ON validations (tree_id, id);

-- One-time facts about this server, e.g. that the demo content was seeded.
CREATE TABLE server_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
