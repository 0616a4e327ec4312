-- Which hosts may link: a host presenting the shared join token waits as `pending` until an
-- admin approves it (or the auto-approve policy does), then gets its own credential.

CREATE TABLE host_approvals (
    name            TEXT PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'revoked')),
    -- SHA-256 (hex) of the host's own credential, issued at its first link after approval;
    -- NULL until then, and again once revoked.
    credential_hash TEXT UNIQUE,
    -- Address the host last dialed from.
    peer            TEXT,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    -- `auto` when the auto-approve policy decided.
    decided_by      TEXT,
    decided_at      TEXT
);
