-- Times are timestamptz, kept to the millisecond.
CREATE TABLE users (
	id         TEXT PRIMARY KEY,
	issuer     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	name       TEXT NOT NULL,
	email      TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	seen_at    TIMESTAMPTZ NOT NULL,
	UNIQUE (issuer, subject)
);

CREATE TABLE rooms (
	code       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	owner_id   TEXT NOT NULL REFERENCES users (id),
	access     TEXT NOT NULL CHECK (access IN ('public', 'trusted', 'restricted')),
	created_at TIMESTAMPTZ NOT NULL,
	used_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX rooms_used_at ON rooms (used_at);

CREATE TABLE room_roles (
	room_code TEXT NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,
	user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role      TEXT NOT NULL CHECK (role IN ('owner', 'administrator', 'member')),
	PRIMARY KEY (room_code, user_id)
);
CREATE INDEX room_roles_user ON room_roles (user_id);

CREATE TABLE apps (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	secret_hash BYTEA NOT NULL,
	scopes      TEXT NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	id_token   TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE used_token_ids (
	id         TEXT PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX used_token_ids_expires_at ON used_token_ids (expires_at);
