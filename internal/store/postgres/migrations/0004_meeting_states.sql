-- The state of live meetings that must outlive their node (ADR 0004), and the segments of
-- their running transcripts. No foreign key to rooms: a state is short-lived.
CREATE TABLE meeting_states (
	room_code  TEXT PRIMARY KEY,
	data       BYTEA NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX meeting_states_updated_at ON meeting_states (updated_at);
CREATE TABLE transcript_segments (
	transcript_id TEXT NOT NULL,
	seq           INTEGER NOT NULL,
	room_code     TEXT NOT NULL,
	data          BYTEA NOT NULL,
	PRIMARY KEY (transcript_id, seq)
);
CREATE INDEX transcript_segments_room ON transcript_segments (room_code);
