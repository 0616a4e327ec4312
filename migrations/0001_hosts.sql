-- Hosts the server has seen, with their last-known state, so a restarted server still lists them.
CREATE TABLE hosts (
    id             TEXT PRIMARY KEY,
    version        TEXT NOT NULL,
    address        TEXT,
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    connected_at   TEXT,
    -- Last hello and heartbeat as sent by the host (JSON), for the dashboard after a restart.
    hello          TEXT NOT NULL,
    heartbeat      TEXT
) STRICT;
