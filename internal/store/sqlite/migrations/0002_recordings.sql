-- Recorded meetings. No foreign key to rooms: a recording outlives an unused room until its
-- retention period ends. Times are Unix milliseconds (UTC).
CREATE TABLE recordings (
	id            TEXT PRIMARY KEY,
	room_code     TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('recording', 'composing', 'ready', 'tracks_only', 'failed')),
	audio_only    INTEGER NOT NULL,
	started_by    TEXT NOT NULL,
	started_at    INTEGER NOT NULL,
	ended_at      INTEGER NOT NULL,
	duration_ms   INTEGER NOT NULL,
	size          INTEGER NOT NULL,
	object_key    TEXT NOT NULL,
	content_type  TEXT NOT NULL,
	transcript_id TEXT NOT NULL,
	error         TEXT NOT NULL
);
CREATE INDEX recordings_room ON recordings (room_code, started_at);
CREATE INDEX recordings_started_at ON recordings (started_at);
