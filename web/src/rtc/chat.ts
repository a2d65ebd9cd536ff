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

export type ChatClientMessage = { type: 'chat'; text: string; to?: string };

export type ChatServerMessage = { type: 'chat' } & ChatMessage;

export interface ChatWelcome {
  /** The history this participant may read, oldest first. */
  chat?: ChatMessage[];
}

/** The longest message the server accepts, in characters. */
export const chatMaxChars = 2000;
