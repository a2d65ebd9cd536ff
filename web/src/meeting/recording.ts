// Meeting recording in the meeting: the indicator everyone sees before and while it runs (with a
// spoken announcement), the same notice on the lobby screen, and the moderator's start/stop
// button.

import './recording.css';
import { h, setAttr, setText } from '../dom';
import { onLangChange, t, type Key } from '../i18n';
import type { ClientMessage, ServerMessage } from '../rtc/protocol';
import type { RecordingState } from '../rtc/recording';
import { announce } from '../shell';

const commandWindowMs = 5000;

export class RecordingUI {
  /** The indicator in the meeting: shown to everyone while recording starts or runs. */
  readonly indicator: HTMLElement;
  /** The notice on the lobby screen, for those waiting to enter. */
  readonly lobbyNotice: HTMLElement;
  /** The moderator's start/stop button. */
  readonly button: HTMLButtonElement;
  /** The moderator's "record the sound only" button, while nothing is recorded. */
  readonly audioButton: HTMLButtonElement;
  /** Both buttons, for the toolbar. */
  readonly controls: HTMLButtonElement[];

  private state: RecordingState = { state: 'off', available: false, can_control: false };
  private lastCommand = 0;
  private readonly text = h('p', { class: 'rec-indicator-text' });
  private readonly link = h('a', { href: '/recordings', target: '_blank', rel: 'noopener', hidden: true });
  private readonly offLang: () => void;

  constructor(
    private readonly send: (m: ClientMessage) => boolean,
    private readonly toast: (text: string) => void,
  ) {
    this.indicator = h(
      'div',
      { class: 'rec-indicator', role: 'status', hidden: true, 'data-testid': 'recording-indicator' },
      h('span', { class: 'rec-dot', 'aria-hidden': 'true' }),
      this.text,
      this.link,
    );
    this.lobbyNotice = h('p', { class: 'rec-indicator rec-lobby', role: 'status', hidden: true, 'data-testid': 'recording-lobby' });
    this.button = h('button', { type: 'button', class: 'control control-rec', onclick: () => this.toggle(false) });
    this.audioButton = h('button', { type: 'button', class: 'control control-rec-audio', onclick: () => this.toggle(true) });
    this.controls = [this.button, this.audioButton];
    this.offLang = onLangChange(() => this.render());
    this.render();
  }

  /** Handles every server message; ignores those that are not about recording. */
  onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome':
        if (m.recording) this.setState(m.recording, false);
        break;
      case 'recording_state':
        this.setState(m, true);
        break;
      case 'error':
        if (m.code === 'recording_failed') this.toast(m.message || t('recFailed'));
        if (performance.now() - this.lastCommand > commandWindowMs) break;
        if (m.code === 'forbidden') this.toast(t('recForbidden'));
        else if (m.code === 'recording_unavailable') this.toast(t('recUnavailable'));
        break;
    }
  }

  close(): void {
    this.offLang();
  }

  private setState(next: RecordingState, announceChange: boolean): void {
    const was = this.state.state;
    this.state = next;
    if (announceChange && next.state !== was) {
      if (next.state === 'off') announce(next.stopped === 'limit' ? t('recLimit') : t('recStoppedAnnounce'));
      else announce(this.message());
      if (next.state === 'off' && next.stopped === 'limit') this.toast(t('recLimit'));
    }
    this.render();
  }

  private message(): string {
    const s = this.state;
    const name = s.by?.name ?? '';
    if (s.state === 'starting') return t('recStarting', { name });
    return t(s.audio_only ? 'recActiveAudio' : 'recActive', { name });
  }

  private toggle(audioOnly: boolean): void {
    if (!this.state.available || !this.state.can_control) return;
    this.lastCommand = performance.now();
    if (this.state.state === 'off') this.send({ type: 'recording', action: 'start', audio_only: audioOnly });
    else this.send({ type: 'recording', action: 'stop' });
  }

  private render(): void {
    const s = this.state;
    const on = s.state !== 'off';
    this.indicator.hidden = !on;
    this.indicator.classList.toggle('rec-starting', s.state === 'starting');
    setText(this.text, on ? this.message() : '');
    this.link.hidden = !(on && s.can_control);
    setText(this.link, t('recordingsLink'));
    this.lobbyNotice.hidden = !on;
    setText(this.lobbyNotice, t('recLobby'));

    const key: Key = !s.available ? 'recUnavailable' : s.state === 'active' ? 'recStop' : s.state === 'starting' ? 'recCancel' : 'recStart';
    const label = t(key);
    if (this.button.dataset.label !== label) {
      this.button.dataset.label = label;
      this.button.replaceChildren(h('span', { class: 'rec-glyph', 'aria-hidden': 'true' }), h('span', { class: 'control-label' }, label));
    }
    setAttr(this.button, 'title', label);
    this.button.hidden = !s.available || !s.can_control;
    setAttr(this.button, 'aria-pressed', String(on));
    this.button.classList.toggle('active', on);

    const audioLabel = t('recStartAudio');
    if (this.audioButton.dataset.label !== audioLabel) {
      this.audioButton.dataset.label = audioLabel;
      this.audioButton.replaceChildren(h('span', { class: 'rec-glyph rec-glyph-audio', 'aria-hidden': 'true' }), h('span', { class: 'control-label' }, audioLabel));
    }
    setAttr(this.audioButton, 'title', audioLabel);
    this.audioButton.hidden = this.button.hidden || on;
  }
}
