// Glue between the meeting view and the lobby and moderation parts: the waiting screen, the
// participants panel and its button, the moderators' lobby alert, and how the meeting ends.

import { h, icon, setAttr, setText } from '../dom';
import { t } from '../i18n';
import type { ServerMessage } from '../rtc/protocol';
import type { Session } from '../rtc/session';
import { announce } from '../shell';
import { LobbyScreen } from '../views/lobby';
import { ConfirmDialog } from './confirm';
import { ModerationState, type Outcome } from './moderation';
import { ParticipantsPanel } from './participants';

export interface AccessUiParams {
  session: Session;
  /** Repaint the meeting. */
  change(): void;
  /** Show a short notice in the meeting (and announce it). */
  notify(text: string): void;
  /** The meeting is over for us for a reason shown on its own page. */
  outcome(o: Outcome): void;
}

export class AccessUi {
  readonly state: ModerationState;
  readonly lobby: LobbyScreen;
  readonly panel: ParticipantsPanel;
  readonly confirm = new ConfirmDialog();
  /** The moderators' notice of the latest lobby request. */
  readonly alert: HTMLElement;
  private readonly peopleButton: HTMLButtonElement;
  private readonly peopleLabel = h('span', { class: 'control-label' });
  private readonly badge = h('span', { class: 'control-badge', 'aria-hidden': 'true' });
  private readonly alertText = h('p', { class: 'lobby-alert-text' });
  private readonly alertAdmit = h('button', { type: 'button', class: 'btn btn-primary btn-small' });
  private readonly alertView = h('button', { type: 'button', class: 'btn btn-secondary btn-small' });
  private ended = false;

  constructor(private readonly p: AccessUiParams) {
    this.state = new ModerationState(p.session, { change: p.change, notify: p.notify, announce });
    this.lobby = new LobbyScreen(() => {
      p.session.leave();
      p.session.local.stopAll();
      this.finish({ kind: 'cancelled' });
    });
    this.panel = new ParticipantsPanel(p.session, this.state, this.confirm, () => this.togglePanel(false));
    this.peopleButton = h('button', { type: 'button', class: 'control control-people', 'aria-expanded': 'false' }, icon('people'), this.peopleLabel, this.badge);
    this.peopleButton.addEventListener('click', () => this.togglePanel(this.panel.el.hidden !== false));
    this.alertAdmit.addEventListener('click', () => {
      const first = [...this.state.lobby.keys()][0];
      if (first) this.state.admit([first]);
    });
    this.alertView.addEventListener('click', () => this.togglePanel(true, true));
    this.alert = h('div', { class: 'lobby-alert', hidden: true }, this.alertText, h('div', { class: 'row' }, this.alertAdmit, this.alertView));
  }

  handle(msg: ServerMessage): void {
    this.state.handle(msg);
  }

  /** Adds the participants button to the controls bar, before "leave". */
  mountButton(controls: HTMLElement): void {
    controls.insertBefore(this.peopleButton, controls.lastElementChild);
  }

  togglePanel(open: boolean, lobby = false): void {
    this.panel.el.hidden = !open;
    setAttr(this.peopleButton, 'aria-expanded', String(open));
    if (open) {
      this.panel.render();
      this.panel.focus(lobby);
    } else this.peopleButton.focus();
  }

  /** True while we wait in the lobby: the meeting itself is hidden. */
  get waiting(): boolean {
    return this.p.session.state.kind === 'lobby';
  }

  update(): void {
    const s = this.state;
    const session = this.p.session;
    document.body.dataset.access = this.waiting ? 'lobby' : 'meeting';
    this.lobby.update(this.waiting, s.waitingSince, s.moderatorsPresent, session.camOn ? session.local.camera : null);
    const waitingCount = s.canModerate ? s.lobby.size : 0;
    const label = t('participantsButton', { n: this.panel.count() });
    setText(this.peopleLabel, label);
    setAttr(this.peopleButton, 'title', label);
    setText(this.badge, waitingCount ? String(waitingCount) : '');
    this.badge.hidden = waitingCount === 0;
    setAttr(this.peopleButton, 'aria-label', waitingCount ? `${label}, ${t('lobbyPanelButton', { n: waitingCount })}` : null);
    this.panel.render();
    // The alert shows the oldest request while the panel is closed.
    const first = [...s.lobby.values()][0];
    this.alert.hidden = !first || !s.canModerate || !this.panel.el.hidden;
    if (first) {
      const who = `${first.name} (${t(first.signed_in ? 'lobbySignedIn' : 'lobbyGuest')})`;
      setText(this.alertText, s.lobby.size > 1 ? t('lobbyRequestN', { n: s.lobby.size }) : t('lobbyRequest', { name: who }));
      setText(this.alertAdmit, t('admit'));
      setAttr(this.alertAdmit, 'aria-label', t('admitLabel', { name: first.name }));
      setText(this.alertView, t('lobbyPanelButton', { n: s.lobby.size }));
    }
    const o = s.outcome();
    if (o) this.finish(o);
  }

  close(): void {
    this.confirm.close();
    delete document.body.dataset.access;
  }

  private finish(o: Outcome): void {
    if (this.ended) return;
    this.ended = true;
    this.confirm.close();
    queueMicrotask(() => this.p.outcome(o));
  }
}
