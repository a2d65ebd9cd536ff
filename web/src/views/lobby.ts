// The lobby waiting screen, and the pages shown when entry is refused or the meeting is over
// for us (declined, timed out, locked, removed, ended).

import { h, setAttr, setText } from '../dom';
import { errorText, onLangChange, t } from '../i18n';
import type { Outcome } from '../meeting/moderation';
import { focusHeading, navigate } from '../shell';

/** The waiting screen, shown instead of the meeting while we wait for a moderator. */
export class LobbyScreen {
  readonly el: HTMLElement;
  private readonly heading = h('h1', { id: 'lobby-title' });
  private readonly status = h('p', { role: 'status', 'aria-live': 'polite', class: 'lobby-status' });
  private readonly elapsed = h('p', { class: 'muted lobby-elapsed' });
  private readonly cancel = h('button', { type: 'button', class: 'btn btn-secondary' });
  private readonly video = h('video', { class: 'lobby-video mirrored', autoplay: true, playsinline: true });
  private shown = false;

  constructor(onCancel: () => void) {
    this.video.muted = true;
    this.cancel.addEventListener('click', onCancel);
    this.el = h(
      'section',
      { class: 'card lobby', 'aria-labelledby': 'lobby-title', hidden: true },
      h('div', { class: 'lobby-spinner', 'aria-hidden': 'true' }),
      this.heading,
      this.status,
      this.elapsed,
      h('div', { class: 'actions' }, this.cancel),
      this.video,
    );
  }

  /** Shows or hides the screen; since is when we started waiting (ms), camera our preview. */
  update(waiting: boolean, since: number, moderatorsPresent: boolean, camera: MediaStreamTrack | null): void {
    this.el.hidden = !waiting;
    if (!waiting) {
      if (this.shown) this.video.srcObject = null;
      this.shown = false;
      return;
    }
    setText(this.heading, t('lobbyTitle'));
    setText(this.status, moderatorsPresent ? t('lobbyBody') : t('lobbyNoModerator'));
    const secs = since ? Math.max(0, Math.floor((Date.now() - since) / 1000)) : 0;
    setText(this.elapsed, t('lobbyWaiting', { time: `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}` }));
    setText(this.cancel, t('lobbyCancel'));
    const current = (this.video.srcObject as MediaStream | null)?.getVideoTracks()[0] ?? null;
    if (camera !== current) this.video.srcObject = camera ? new MediaStream([camera]) : null;
    this.video.hidden = !camera;
    if (!this.shown) {
      this.shown = true;
      document.title = `${t('lobbyTitle')} · ${t('productName')}`;
      this.heading.tabIndex = -1;
      this.heading.focus({ preventScroll: true });
    }
  }
}

function outcomeText(o: Outcome): { title: string; body: string[]; again: boolean } {
  switch (o.kind) {
    case 'denied':
      if (o.reason === 'timeout') return { title: t('lobbyTimeoutTitle'), body: [t('lobbyTimeout')], again: true };
      return { title: t('lobbyDeniedTitle'), body: [t('lobbyDenied')], again: true };
    case 'locked':
      return { title: t('lobbyLockedTitle'), body: [t('lobbyLocked')], again: true };
    case 'removed':
      return { title: t('removedTitle'), body: [o.by ? t('removedBy', { name: o.by }) : '', t('removedNoReturn')].filter(Boolean), again: false };
    case 'ended':
      return { title: t('endedTitle'), body: [o.by ? t('endedBy', { name: o.by }) : ''].filter(Boolean), again: true };
    case 'cancelled':
      return { title: t('lobbyCancelledTitle'), body: [t('lobbyCancelled')], again: true };
    case 'failed':
      return { title: t('joinFailed', { reason: errorText(o.reason) }), body: [], again: true };
  }
}

/** A full page explaining an outcome, with "ask again" when it makes sense and "home". */
export function renderOutcome(main: HTMLElement, outcome: Outcome, again: () => void): () => void {
  const heading = h('h1');
  const body = h('div', { class: 'outcome-body' });
  const againButton = h('button', { type: 'button', class: 'btn btn-primary' });
  againButton.addEventListener('click', again);
  const home = h('a', { href: '/', class: 'btn btn-secondary' });
  home.addEventListener('click', (ev) => {
    ev.preventDefault();
    navigate('/');
  });
  const paint = () => {
    const text = outcomeText(outcome);
    setText(heading, text.title);
    body.replaceChildren(...text.body.map((line) => h('p', {}, line)));
    againButton.hidden = !text.again;
    setText(againButton, outcome.kind === 'ended' ? t('rejoin') : t('lobbyRetry'));
    setText(home, t('homeLink'));
    document.title = `${text.title} · ${t('productName')}`;
  };
  paint();
  const section = h('section', { class: 'card message', 'aria-labelledby': 'outcome-title' }, heading, body, h('div', { class: 'actions' }, againButton, home));
  heading.id = 'outcome-title';
  setAttr(section, 'data-outcome', outcome.kind);
  main.replaceChildren(section);
  focusHeading(main);
  return onLangChange(paint);
}
