// Live transcription in the meeting: the indicator everyone sees while it runs (with a spoken
// announcement), the moderator's start/stop button, the captions toggle and the captions area.

import './transcription.css';
import { h, setAttr, setText } from '../dom';
import { onLangChange, t, type Key } from '../i18n';
import type { ClientMessage, ServerMessage } from '../rtc/protocol';
import type { CaptionMessage, TranscriptionState } from '../rtc/transcription';
import { announce } from '../shell';

const captionLines = 3;
const commandWindowMs = 5000;

export class TranscriptionUI {
  /** The indicator: shown to everyone while transcription runs. */
  readonly indicator: HTMLElement;
  /** The captions area, shown when captions are on. */
  readonly captions: HTMLElement;
  /** The toolbar buttons: start/stop transcription, captions on/off. */
  readonly controls: HTMLButtonElement[];

  private state: TranscriptionState = { active: false, available: false, can_control: false };
  private captionsOn = false;
  private lines: CaptionMessage[] = [];
  private lastCommand = 0;
  private readonly indicatorText = h('p', { class: 'tx-indicator-text' });
  private readonly notice = h('p', { class: 'tx-notice', hidden: true });
  private readonly link = h('a', { href: '/transcripts', target: '_blank', rel: 'noopener' });
  private readonly txButton: HTMLButtonElement;
  private readonly ccButton: HTMLButtonElement;
  private readonly offLang: () => void;
  /** Whether we moderate: moderators are told when transcription is unavailable. */
  moderator: () => boolean = () => false;

  constructor(
    private readonly send: (m: ClientMessage) => boolean,
    private readonly toast: (text: string) => void,
  ) {
    this.indicator = h(
      'div',
      { class: 'tx-indicator', role: 'status', hidden: true, 'data-testid': 'transcription-indicator' },
      h('span', { class: 'tx-dot', 'aria-hidden': 'true' }),
      this.indicatorText,
      this.notice,
      this.link,
    );
    this.captions = h('div', { class: 'captions', role: 'log', hidden: true, 'aria-live': 'polite' });
    this.txButton = h('button', { type: 'button', class: 'control control-tx', onclick: () => this.toggleTranscription() });
    this.ccButton = h('button', { type: 'button', class: 'control control-cc', onclick: () => this.toggleCaptions() });
    this.controls = [this.txButton, this.ccButton];
    this.offLang = onLangChange(() => this.render());
    this.render();
  }

  /** Handles every server message; ignores those that are not about transcription. */
  onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome':
        if (m.transcription) this.setState(m.transcription, false);
        // A new participant (not a resume) starts with captions off on the server.
        if (this.captionsOn) this.send({ type: 'captions', enabled: true });
        break;
      case 'transcription_state':
        this.setState(m, true);
        break;
      case 'caption':
        this.lines.push(m);
        if (this.lines.length > captionLines) this.lines.splice(0, this.lines.length - captionLines);
        this.renderCaptions();
        break;
      case 'error':
        if (performance.now() - this.lastCommand > commandWindowMs) break;
        if (m.code === 'forbidden') this.toast(t('txForbidden'));
        else if (m.code === 'transcription_unavailable') this.toast(t('txUnavailableLong'));
        break;
    }
  }

  close(): void {
    this.offLang();
  }

  private setState(next: TranscriptionState, announceChange: boolean): void {
    const was = this.state.active;
    this.state = next;
    if (announceChange && next.active !== was) {
      announce(next.active ? t('txStartedAnnounce', { name: next.by?.name ?? '' }) : t('txStoppedAnnounce'));
    }
    if (!next.active) this.lines = [];
    this.render();
  }

  private toggleTranscription(): void {
    if (!this.state.available || !this.state.can_control) return;
    this.lastCommand = performance.now();
    this.send({ type: 'transcription', action: this.state.active ? 'stop' : 'start' });
  }

  private toggleCaptions(): void {
    this.captionsOn = !this.captionsOn;
    this.send({ type: 'captions', enabled: this.captionsOn });
    this.render();
  }

  private render(): void {
    const s = this.state;
    this.indicator.hidden = !s.active;
    setText(this.indicatorText, s.active ? t('txActiveBy', { name: s.by?.name ?? '' }) : '');
    this.notice.hidden = !(s.active && s.notice === 'local_english_only');
    setText(this.notice, t('txLocalNotice'));
    setText(this.link, t('transcriptsLink'));

    const txKey: Key = !s.available ? 'txUnavailable' : s.active ? 'txStop' : 'txStart';
    this.label(this.txButton, 'T', txKey);
    setAttr(this.txButton, 'title', !s.available ? t('txUnavailableLong') : s.notice === 'local_english_only' ? `${t(txKey)} (${t('txLocalNotice')})` : t(txKey));
    this.txButton.disabled = !s.available;
    // The control for those who can use it (and moderators told it is unavailable); the state
    // shows to everyone in the indicator.
    this.txButton.hidden = !(s.can_control || (!s.available && this.moderator()));
    setAttr(this.txButton, 'aria-pressed', s.available ? String(s.active) : null);
    this.txButton.classList.toggle('active', s.active);

    this.label(this.ccButton, 'CC', this.captionsOn ? 'captionsOff' : 'captionsOn');
    setAttr(this.ccButton, 'aria-pressed', String(this.captionsOn));
    this.ccButton.classList.toggle('highlighted', this.captionsOn);
    this.ccButton.hidden = !s.available;
    setAttr(this.captions, 'aria-label', t('captionsLabel'));
    this.captions.hidden = !this.captionsOn;
    this.renderCaptions();
  }

  private label(b: HTMLButtonElement, glyph: string, key: Key): void {
    const text = t(key);
    if (b.dataset.label === text) return;
    b.dataset.label = text;
    b.replaceChildren(h('span', { class: 'tx-glyph', 'aria-hidden': 'true' }, glyph), h('span', { class: 'control-label' }, text));
  }

  private renderCaptions(): void {
    if (!this.captionsOn) return;
    if (this.lines.length === 0) {
      const text = this.state.active ? t('captionsWaiting') : t('captionsInactive');
      const first = this.captions.firstElementChild;
      if (!(first instanceof HTMLParagraphElement && first.classList.contains('caption-empty') && first.textContent === text)) {
        this.captions.replaceChildren(h('p', { class: 'caption-empty' }, text));
      }
      return;
    }
    this.captions.replaceChildren(
      ...this.lines.map((c) => h('p', { class: 'caption-line', 'data-participant': c.participant_id }, h('span', { class: 'caption-name' }, c.name), c.text)),
    );
  }
}
