-- Meeting transcripts, shared by every node (ADR 0004). Their segments are the rows of
-- transcript_segments the running meeting writes for its failover, kept with the transcript
-- until it expires.
CREATE TABLE transcripts (
	id         TEXT PRIMARY KEY,
	room_code  TEXT NOT NULL,
	meta       BYTEA NOT NULL,
	started_at TIMESTAMPTZ NOT NULL,
	ended_at   TIMESTAMPTZ,
	live       BOOLEAN NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX transcripts_expires_at ON transcripts (expires_at);
