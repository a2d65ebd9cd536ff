// Protocol messages of the meeting's chat (docs/protocol.md, "Chat").

export interface ChatRef {
  id: string;
  name: string;
}

/** One chat message; `to` is set on a private one. */
export interface ChatMessage {
  id: string;
  from: ChatRef;
  to?: ChatRef;
  text: string;
  at: string;
}

/** Whether the chat is kept with the room (a moderator's choice; messages to everyone only). */
export interface ChatState {
  kept: boolean;
  by?: ChatRef;
  /** The server can keep chats. */
  available: boolean;
}

export type ChatClientMessage = { type: 'chat'; text: string; to?: string } | { type: 'chat_keep'; keep: boolean };

export type ChatServerMessage = ({ type: 'chat' } & ChatMessage) | ({ type: 'chat_state' } & ChatState);

export interface ChatWelcome {
  /** The history this participant may read, oldest first. */
  chat?: ChatMessage[];
  chat_state?: ChatState;
}

/** The longest message the server accepts, in characters. */
export const chatMaxChars = 2000;
