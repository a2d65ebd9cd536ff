// Protocol messages of breakout rooms (docs/protocol.md, "Breakout rooms").

export interface BreakoutRoom {
  number: number;
  name: string;
  /** Who is in the room, for moderators only. */
  participants?: { id: string; name: string }[];
}

export type BreakoutClientMessage =
  | {
      type: 'breakout';
      action: 'open';
      rooms: string[];
      assign?: Record<string, number>;
      random?: boolean;
      duration_s?: number;
      allow_return?: boolean;
    }
  | { type: 'breakout'; action: 'move'; participant_id: string; room: number }
  | { type: 'breakout'; action: 'visit'; room: number }
  | { type: 'breakout'; action: 'broadcast'; text: string }
  | { type: 'breakout'; action: 'return' | 'close' };

export interface BreakoutStateMessage {
  type: 'breakout_state';
  open: boolean;
  reason: 'opened' | 'moved' | 'closed' | 'time_up' | 'welcome' | 'left';
  /** Our room: 0 is the main room. */
  room: number;
  /** Index 0 is the main room. */
  rooms?: BreakoutRoom[];
  ends_at?: string;
  allow_return: boolean;
  can_manage: boolean;
}

export type BreakoutServerMessage =
  | BreakoutStateMessage
  | { type: 'breakout_ending'; ends_at: string; seconds_left: number }
  | { type: 'breakout_message'; from: { id: string; name: string }; text: string; at: string };
