-- References: named images (crops of a frame) or texts that verifications look for, per
-- userinterface. The image itself is a PNG file in <data_dir>/references/<id>.png.
CREATE TABLE screen_references (
    id             INTEGER PRIMARY KEY,
    userinterface  TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('image', 'text')),
    model          TEXT,
    area_x         INTEGER NOT NULL,
    area_y         INTEGER NOT NULL,
    area_width     INTEGER NOT NULL,
    area_height    INTEGER NOT NULL,
    source_width   INTEGER NOT NULL,
    source_height  INTEGER NOT NULL,
    text           TEXT,
    lang           TEXT NOT NULL DEFAULT 'eng',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (userinterface, name)
) STRICT;
