// The meeting path: check the room and who we are, then pre-join, a join token, the meeting
// (or the lobby first), then "you left" or why we are out.

import { ApiError, getRoom } from '../api';
import { me } from '../auth';
import { h } from '../dom';
import { errorText, t } from '../i18n';
import type { Outcome } from '../meeting/moderation';
import { joinTicket } from '../rooms';
import { renderOutcome } from './lobby';
import { renderMessage } from './message';
import { renderPrejoin, type JoinChoice } from './prejoin';
import { renderMeeting } from './meeting';

export function renderMeetingFlow(main: HTMLElement, code: string): () => void {
  let cleanup: (() => void) | null = null;
  let gone = false;
  const swap = (view: string, next: () => () => void) => {
    if (gone) return;
    cleanup?.();
    document.body.dataset.view = view;
    cleanup = next();
  };

  const check = () => {
    document.body.dataset.view = 'loading';
    main.replaceChildren(h('p', { class: 'loading', role: 'status' }, t('loading')));
    Promise.all([getRoom(code), me()]).then(
      ([room, user]) => swap('prejoin', () => renderPrejoin(main, code, room.participants, joinWith, { fixedName: user?.name })),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 404) swap('message', () => renderMessage(main, { kind: 'notFound', code }));
        else swap('message', () => renderMessage(main, { kind: 'unreachable', retry: check }));
      },
    );
  };

  const outcome = (o: Outcome) => swap('message', () => renderOutcome(main, o, check));

  /** Asks for a join token, then enters the meeting (or its lobby); returns an error to show. */
  const joinWith = async (choice: JoinChoice): Promise<string | null> => {
    const user = await me();
    const guestName = user ? undefined : choice.name;
    let first: string | null;
    try {
      const ticket = await joinTicket(code, guestName);
      first = ticket.token;
      choice.name = ticket.name || choice.name;
      choice.room = { name: ticket.room.name, role: ticket.role };
    } catch (err) {
      console.warn('visio: join', err);
      if (err instanceof ApiError && err.code === 'room_locked') {
        choice.local.stopAll();
        outcome({ kind: 'locked' });
        return null;
      }
      if (err instanceof ApiError && err.code === 'removed') {
        choice.local.stopAll();
        outcome({ kind: 'removed', by: '' });
        return null;
      }
      const reason = err instanceof ApiError ? errorText(err.code) : t('reasonUnreachable');
      return t('joinFailed', { reason });
    }
    choice.tokens = async () => {
      const token = first;
      first = null;
      return token ?? (await joinTicket(code, guestName)).token;
    };
    choice.onOutcome = outcome;
    swap('meeting', () =>
      renderMeeting(main, code, choice, () => {
        swap('message', () => renderMessage(main, { kind: 'left', rejoin: check }));
      }),
    );
    return null;
  };

  check();
  return () => {
    gone = true;
    cleanup?.();
  };
}
