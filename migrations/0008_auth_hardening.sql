-- Hardening of users and sign-in: user names unique whatever their case, a flag that makes a
-- user change a generated password at first sign-in, and the browsers a user signed in from
-- (their sign-ins are not slowed by failures other clients cause).

-- Names that differ only in case (`Admin` beside `admin`) get their id appended, the oldest
-- keeping its name, so the case-insensitive index below can be built.
UPDATE users SET name = name || '-' || id
WHERE EXISTS (SELECT 1 FROM users older WHERE older.name = users.name COLLATE NOCASE
              AND older.id < users.id);

CREATE UNIQUE INDEX users_name_nocase ON users (name COLLATE NOCASE);

ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

CREATE TABLE login_devices (
    -- SHA-256 (hex) of the random id in the browser's `vpt_device` cookie.
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used  TEXT NOT NULL
);

CREATE INDEX login_devices_by_user ON login_devices (user_id);
