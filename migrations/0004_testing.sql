-- Test cases, runs, campaigns and schedules (docs/testing.md). A test case is one JSON document
-- (its steps), versioned whole. A run keeps the document it ran and its step results, so it
-- stays readable after the test case changes or goes; its pictures are files in
-- <data_dir>/runs/<run id>/ named by the step results.
CREATE TABLE testcases (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '[]',
    version      INTEGER NOT NULL,
    document     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

CREATE TABLE testcase_versions (
    testcase_id  INTEGER NOT NULL REFERENCES testcases (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    document     TEXT NOT NULL,
    saved_at     TEXT NOT NULL,
    PRIMARY KEY (testcase_id, version)
) STRICT;

CREATE TABLE campaigns (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    description          TEXT NOT NULL DEFAULT '',
    testcase_ids         TEXT NOT NULL,
    continue_on_failure  INTEGER NOT NULL,
    test_timeout_s       INTEGER,
    target               TEXT NOT NULL DEFAULT '{}',
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
) STRICT;

CREATE TABLE campaign_runs (
    id                   INTEGER PRIMARY KEY,
    campaign_id          INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
    name                 TEXT NOT NULL,
    -- [{testcase_id, name}] in order, as they were when the campaign started.
    tests                TEXT NOT NULL,
    continue_on_failure  INTEGER NOT NULL,
    test_timeout_s       INTEGER,
    target               TEXT NOT NULL,
    status               TEXT NOT NULL,
    reason               TEXT,
    started_by           TEXT NOT NULL,
    queued_at            TEXT NOT NULL,
    started_at           TEXT,
    finished_at          TEXT
) STRICT;

CREATE TABLE runs (
    id                 INTEGER PRIMARY KEY,
    testcase_id        INTEGER REFERENCES testcases (id) ON DELETE SET NULL,
    testcase_name      TEXT NOT NULL,
    testcase_version   INTEGER NOT NULL,
    document           TEXT NOT NULL,
    campaign_run_id    INTEGER REFERENCES campaign_runs (id) ON DELETE CASCADE,
    campaign_position  INTEGER,
    status             TEXT NOT NULL CHECK (status IN
                         ('queued', 'running', 'passed', 'failed', 'error', 'cancelled')),
    reason             TEXT,
    started_by         TEXT NOT NULL,
    target             TEXT NOT NULL,
    host               TEXT,
    device             TEXT,
    host_run_key       TEXT,
    timeout_s          INTEGER NOT NULL,
    queued_at          TEXT NOT NULL,
    started_at         TEXT,
    first_step_at      TEXT,
    finished_at        TEXT,
    steps_done         INTEGER NOT NULL DEFAULT 0,
    steps_failed       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX runs_by_status ON runs (status, id);
CREATE INDEX runs_by_testcase ON runs (testcase_id, id);
CREATE INDEX runs_by_queued_at ON runs (queued_at);
CREATE INDEX runs_by_campaign_run ON runs (campaign_run_id);

CREATE TABLE run_steps (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    idx     INTEGER NOT NULL,
    result  TEXT NOT NULL,
    PRIMARY KEY (run_id, idx)
) STRICT;

CREATE TABLE schedules (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    testcase_id   INTEGER REFERENCES testcases (id) ON DELETE CASCADE,
    campaign_id   INTEGER REFERENCES campaigns (id) ON DELETE CASCADE,
    target        TEXT NOT NULL DEFAULT '{}',
    cron          TEXT NOT NULL,
    start_at      TEXT,
    end_at        TEXT,
    max_runs      INTEGER,
    enabled       INTEGER NOT NULL,
    fired         INTEGER NOT NULL DEFAULT 0,
    next_fire_at  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((testcase_id IS NULL) <> (campaign_id IS NULL))
) STRICT;

CREATE TABLE schedule_firings (
    id               INTEGER PRIMARY KEY,
    schedule_id      INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    at               TEXT NOT NULL,
    run_id           INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    campaign_run_id  INTEGER REFERENCES campaign_runs (id) ON DELETE SET NULL,
    skipped          TEXT
) STRICT;

CREATE INDEX schedule_firings_by_schedule ON schedule_firings (schedule_id, id);
