// The meeting path: check the room, then pre-join, then the meeting, then "you left".

import { ApiError, getRoom } from '../api';
import { h } from '../dom';
import { t } from '../i18n';
import { renderMessage } from './message';
import { renderPrejoin } from './prejoin';
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
    getRoom(code).then(
      (room) => swap('prejoin', () => renderPrejoin(main, code, room.participants, joinWith)),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 404) swap('message', () => renderMessage(main, { kind: 'notFound', code }));
        else swap('message', () => renderMessage(main, { kind: 'unreachable', retry: check }));
      },
    );
  };

  const joinWith: Parameters<typeof renderPrejoin>[3] = (choice) => {
    swap('meeting', () =>
      renderMeeting(main, code, choice, () => {
        swap('message', () => renderMessage(main, { kind: 'left', rejoin: check }));
      }),
    );
  };

  check();
  return () => {
    gone = true;
    cleanup?.();
  };
}
