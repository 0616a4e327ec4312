-- Incidents raised by host monitoring, and how far the server has read each host's journal.

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    -- Named by the host, so an event delivered twice is stored once.
    host            TEXT NOT NULL,
    uid             TEXT NOT NULL,
    device          TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('black', 'freeze', 'no_signal')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'resolved')),
    started_at      TEXT NOT NULL,
    ended_at        TEXT,
    duration_ms     INTEGER,
    resolve_reason  TEXT,
    -- JSON list of {name, label, captured_at}; pictures in <data_dir>/incidents/<id>/.
    frames          TEXT NOT NULL DEFAULT '[]',
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    false_positive  INTEGER NOT NULL DEFAULT 0,
    comment         TEXT,
    updated_at      TEXT NOT NULL,
    UNIQUE (host, uid)
);

CREATE INDEX incidents_by_start ON incidents (started_at DESC);
CREATE INDEX incidents_by_device ON incidents (host, device, started_at DESC);
CREATE INDEX incidents_active ON incidents (status) WHERE status = 'active';

CREATE TABLE monitor_cursors (
    host    TEXT PRIMARY KEY,
    journal TEXT NOT NULL,
    seq     INTEGER NOT NULL
);
