// The alert shown when audio and video cannot get through (rtc/media-health.ts): what was tried,
// what to do, a way to try again and the connection test.

import { h, setText } from '../dom';
import { t } from '../i18n';
import { MediaHealth, type MediaBlocked, type Tried } from '../rtc/media-health';
import type { Session } from '../rtc/session';
import { netTestLink } from '../views/nettest';

function triedText(x: Tried): string {
  if (x.kind === 'udp') return t('mediaTriedUdp');
  if (x.kind === 'tcp') return t('mediaTriedTcp');
  return t(x.reached ? 'mediaTriedRelay' : 'mediaTriedRelayFailed', { proto: x.proto });
}

export class MediaCheck {
  readonly el: HTMLElement;
  private readonly title = h('h2');
  private readonly body = h('p');
  private readonly hint = h('p');
  private readonly retry = h('button', { type: 'button', class: 'btn btn-secondary btn-small' });
  private readonly link = netTestLink(true);
  private readonly health = new MediaHealth();
  private blocked: MediaBlocked | null = null;
  private checking = false;

  constructor(private readonly session: Session) {
    this.el = h('section', { class: 'media-blocked', role: 'alert', hidden: true }, this.title, this.body, this.hint, h('div', { class: 'row' }, this.retry, this.link.el));
    this.retry.addEventListener('click', () => {
      this.blocked = null;
      this.session.retry();
      this.paint();
    });
  }

  /** Re-examines the session's connections (call it periodically) and repaints. */
  update(): void {
    if (this.checking) return;
    const s = this.session;
    if (s.state.kind !== 'connected') {
      if (this.blocked) {
        this.blocked = null;
        this.paint();
      }
      return;
    }
    this.checking = true;
    void this.health.check([s.publisher?.pc, s.subscriber?.pc]).then((b) => {
      this.checking = false;
      const changed = (b === null) !== (this.blocked === null) || JSON.stringify(b) !== JSON.stringify(this.blocked);
      this.blocked = b;
      if (changed) this.paint();
    });
  }

  /** What is shown, for diagnostics: null while media gets through. */
  state(): MediaBlocked | null {
    return this.blocked;
  }

  paint(): void {
    this.el.hidden = this.blocked === null;
    this.link.paint();
    setText(this.title, t('mediaBlockedTitle'));
    setText(this.retry, t('mediaBlockedRetry'));
    setText(this.hint, t('mediaBlockedHint'));
    if (this.blocked) setText(this.body, t('mediaBlockedBody', { tried: this.blocked.tried.map(triedText).join(', ') }));
  }
}
