-- Users, login sessions, personal API tokens and the audit log.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'tester', 'admin')),
    -- PHC string of an argon2id hash; the password itself is never stored.
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);

CREATE TABLE sessions (
    -- SHA-256 (hex) of the random session id the cookie carries: a copy of the database does
    -- not hand out live sessions.
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    ip         TEXT
);

CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- At most the user's role; the lower of the two applies if the user's role drops later.
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'tester', 'admin')),
    -- SHA-256 (hex) of the token: tokens are 256 random bits, so a fast hash is enough.
    token_hash   TEXT NOT NULL UNIQUE,
    -- The first characters of the token, to tell tokens apart in lists.
    prefix       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    -- The user's name at the time (kept when the user is deleted); NULL for anonymous attempts.
    user   TEXT,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    ip     TEXT
);

CREATE INDEX audit_by_time ON audit_log (at);
CREATE INDEX audit_by_user ON audit_log (user, id);
CREATE INDEX audit_by_action ON audit_log (action, id);
