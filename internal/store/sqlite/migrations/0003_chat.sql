-- Chat messages of meetings whose chat a moderator chose to keep (messages to everyone only).
-- No foreign key to rooms: kept messages outlive an unused room until their retention period
-- ends. Times are Unix milliseconds (UTC).
CREATE TABLE chat_messages (
	id        TEXT PRIMARY KEY,
	room_code TEXT NOT NULL,
	from_name TEXT NOT NULL,
	text      TEXT NOT NULL,
	sent_at   INTEGER NOT NULL
);
CREATE INDEX chat_messages_room ON chat_messages (room_code, sent_at);
CREATE INDEX chat_messages_sent_at ON chat_messages (sent_at);
