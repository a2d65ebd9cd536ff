// Protocol messages of raised hands and reactions (docs/protocol.md).

export interface RaisedHand {
  participant_id: string;
  name: string;
  raised_at: string;
}

export type HandsClientMessage =
  | { type: 'hand'; raised: boolean; participant_id?: string }
  | { type: 'reaction'; emoji: string };

export type HandsServerMessage =
  | {
      type: 'hands';
      hands: RaisedHand[];
      participant_id: string;
      raised: boolean;
      reason: 'raised' | 'lowered' | 'moderator' | 'spoke' | 'left';
      by?: { id: string; name: string };
    }
  | { type: 'reaction'; participant_id: string; name: string; emoji: string };

export interface HandsWelcome {
  hands?: RaisedHand[];
}

/** The reactions the server accepts, in the menu's order. */
export const reactions = ['👍', '👏', '😂', '❤️', '🎉', '🤔'] as const;
