// Breakout rooms: the moderators' panel (split the meeting, assign with selects, at random,
// timer, visit, broadcast, bring everyone back), the banner of someone in a breakout room, and
// the moderators' messages to every room. Moving between rooms is the session's: the server
// sends a fresh welcome and the session makes new peer connections with the same tracks.

import { h, setAttr, setText } from '../dom';
import { t } from '../i18n';
import type { BreakoutStateMessage } from '../rtc/breakout';
import type { ClientMessage, ServerMessage } from '../rtc/protocol';
import type { Session } from '../rtc/session';
import { announce } from '../shell';
import './breakout.css';

export interface BreakoutParams {
  session: Session;
  send(m: ClientMessage): boolean;
  canModerate(): boolean;
  notify(text: string): void;
  changed(): void;
}

const durations = [0, 5, 10, 15, 20, 30, 45, 60];
const maxRooms = 10;

/** Four rooms: the toolbar button's icon (decorative). */
function roomsIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const [x, y] of [[3, 3], [13, 3], [3, 13], [13, 13]]) {
    const r = document.createElementNS(ns, 'rect');
    for (const [k, v] of [['x', x], ['y', y], ['width', 8], ['height', 8], ['rx', 1.5]]) r.setAttribute(String(k), String(v));
    svg.append(r);
  }
  return svg;
}

/** m:ss (or h:mm:ss) of a number of milliseconds, never negative. */
export function clockText(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export class BreakoutUI {
  readonly button: HTMLButtonElement;
  readonly panel: HTMLElement;
  readonly banner: HTMLElement;
  readonly alert: HTMLElement;
  state: BreakoutStateMessage | null = null;

  private readonly buttonLabel = h('span', { class: 'control-label' });
  private readonly heading = h('h2', { id: 'breakout-heading', tabindex: '-1' });
  private readonly closeButton = h('button', { type: 'button', class: 'btn-icon panel-close' }, '×');
  private readonly body = h('div', { class: 'panel-body' });
  private readonly bannerText = h('p', { class: 'breakout-banner-text' });
  private readonly bannerNote = h('p', { class: 'breakout-banner-note' });
  private readonly returnButton = h('button', { type: 'button', class: 'btn btn-secondary btn-small' });
  private readonly alertTitle = h('p', { class: 'breakout-alert-title' });
  private readonly alertText = h('p', { class: 'breakout-alert-text' });
  private readonly alertDismiss = h('button', { type: 'button', class: 'btn btn-secondary btn-small' });
  private readonly timeEls: HTMLElement[] = [];
  private readonly tick: number;
  private signature = '';
  /** Our room as last told (kept across welcomes). */
  private lastRoom = 0;
  private mode = 'setup';
  private draft = '';
  // The form to open rooms with.
  private count = 2;
  private names: string[] = [];
  private readonly assign = new Map<string, number>();
  private minutes = 0;
  private allowReturn = true;

  constructor(private readonly p: BreakoutParams) {
    this.button = h('button', { type: 'button', class: 'control control-breakout', 'aria-expanded': 'false', 'aria-controls': 'breakout-panel' }, roomsIcon(), this.buttonLabel);
    this.button.hidden = true;
    this.button.addEventListener('click', () => this.toggle(this.panel.hidden !== false));
    this.closeButton.addEventListener('click', () => this.toggle(false));
    this.panel = h(
      'section',
      { class: 'side-panel breakout-panel', id: 'breakout-panel', 'aria-labelledby': 'breakout-heading', hidden: true },
      h('div', { class: 'panel-header' }, this.heading, this.closeButton),
      this.body,
    );
    this.panel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.toggle(false);
    });
    this.returnButton.addEventListener('click', () => this.p.send({ type: 'breakout', action: 'return' }));
    this.banner = h('div', { class: 'breakout-banner', hidden: true }, h('div', { class: 'breakout-banner-main' }, this.bannerText, this.bannerNote), this.returnButton);
    this.alertDismiss.addEventListener('click', () => (this.alert.hidden = true));
    const live = h('div', { role: 'alert', class: 'breakout-alert-live' }, this.alertTitle, this.alertText);
    this.alert = h('div', { class: 'breakout-alert', hidden: true }, live, this.alertDismiss);
    this.tick = window.setInterval(() => this.paintTimes(), 1000);
  }

  /** Our room's name, or '' in the main room. */
  get roomName(): string {
    const st = this.state;
    if (!st?.open || !st.room) return '';
    return st.rooms?.[st.room]?.name ?? '';
  }

  onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome':
        // Every welcome is followed by the breakout state while rooms are open; none follows
        // when they are not (for example in a meeting taken over by another node).
        this.state = null;
        this.p.changed();
        break;
      case 'breakout_state': {
        const before = this.lastRoom;
        this.state = m;
        this.lastRoom = m.open ? m.room : 0;
        if (m.reason === 'closed' || m.reason === 'time_up') {
          announce(t(m.reason === 'closed' ? 'breakoutClosedAnnounce' : 'breakoutTimeUpAnnounce'));
          this.alert.hidden = true;
        } else if (m.open && before !== m.room) {
          announce(m.room ? t('breakoutMovedTo', { name: this.roomName }) : t('breakoutBackAnnounce'));
        } else if (m.reason === 'opened') announce(t('breakoutOpenedAnnounce'));
        this.p.changed();
        break;
      }
      case 'breakout_ending':
        this.showAlert(t('breakoutEnding', { time: clockText(m.seconds_left * 1000) }), '');
        break;
      case 'breakout_message':
        this.showAlert(t('breakoutMessageFrom', { name: m.from.name }), m.text);
        break;
      case 'error':
        if (m.code === 'breakout_refused') this.p.notify(m.message ?? t('err_breakout_refused'));
        break;
      default:
        break;
    }
  }

  private showAlert(title: string, text: string): void {
    // Emptied first so that the same words twice are announced twice.
    setText(this.alertTitle, '');
    setText(this.alertText, '');
    this.alert.hidden = false;
    window.setTimeout(() => {
      setText(this.alertTitle, title);
      setText(this.alertText, text);
    }, 50);
  }

  toggle(open: boolean): void {
    this.panel.hidden = !open;
    setAttr(this.button, 'aria-expanded', String(open));
    if (open) {
      this.signature = '';
      this.paint();
      this.heading.focus();
    } else this.button.focus();
  }

  /** Repaints the button, the banner and, when its content changed, the panel. */
  paint(): void {
    const st = this.state;
    const mod = this.p.canModerate();
    this.button.hidden = !mod;
    if (!mod && !this.panel.hidden) this.panel.hidden = true;
    setText(this.buttonLabel, t('breakoutButton'));
    setAttr(this.button, 'aria-label', t('breakoutButtonLabel'));
    setText(this.heading, t('breakoutHeading'));
    setAttr(this.closeButton, 'aria-label', t('breakoutClose'));
    setText(this.alertDismiss, t('breakoutDismiss'));

    const inRoom = !!st?.open && st.room > 0;
    this.banner.hidden = !st?.open || (!inRoom && !mod);
    this.banner.classList.toggle('in-room', inRoom);
    this.returnButton.hidden = !inRoom || !(st?.allow_return || mod);
    setText(this.returnButton, t('breakoutBackToMain'));
    setText(this.bannerNote, t('breakoutRecordingNote'));
    this.paintTimes();

    if (this.panel.hidden) return;
    const sig = JSON.stringify([st, mod, this.count, [...this.p.session.participants.values()].map((x) => [x.id, x.name]), document.documentElement.lang]);
    if (sig === this.signature) return;
    this.signature = sig;
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.k;
    const mode = st?.open ? 'open' : 'setup';
    this.body.replaceChildren(...(st?.open ? this.openView(st) : this.setupView()));
    if (mode !== this.mode) {
      this.mode = mode;
      this.body.scrollTop = 0;
    }
    if (focused) this.body.querySelector<HTMLElement>(`[data-k="${CSS.escape(focused)}"]`)?.focus();
  }

  private remaining(): number | null {
    const ends = this.state?.open && this.state.ends_at ? Date.parse(this.state.ends_at) : NaN;
    return Number.isNaN(ends) ? null : ends - Date.now();
  }

  private paintTimes(): void {
    const st = this.state;
    const left = this.remaining();
    let text: string;
    if (st?.open && st.room > 0) {
      text = t('breakoutBannerIn', { name: this.roomName });
      if (left !== null) text += ` — ${t('breakoutBannerBack', { time: clockText(left) })}`;
    } else {
      text = t('breakoutBannerMainOpen');
      if (left !== null) text += ` — ${t('breakoutEndsIn', { time: clockText(left) })}`;
    }
    setText(this.bannerText, text);
    for (const el of this.timeEls) setText(el, left !== null ? t('breakoutEndsIn', { time: clockText(left) }) : '');
  }

  private ctl<K extends 'button' | 'select' | 'input' | 'textarea'>(tag: K, key: string, attrs: Record<string, string | boolean>): HTMLElementTagNameMap[K] {
    return h(tag, { ...attrs, 'data-k': key });
  }

  private roomOptions(n: number, names: string[], selected: number): HTMLOptionElement[] {
    const out = [h('option', { value: '0' }, t('breakoutMain'))];
    for (let i = 1; i <= n; i++) out.push(h('option', { value: String(i) }, names[i - 1] || t('breakoutDefaultName', { n: i })));
    for (const o of out) o.selected = Number(o.value) === selected;
    return out;
  }

  /** The form to open rooms with. */
  private setupView(): HTMLElement[] {
    const people = [...this.p.session.participants.values()];
    const countSel = this.ctl('select', 'count', { id: 'breakout-count' });
    for (let i = 1; i <= maxRooms; i++) countSel.append(h('option', { value: String(i) }, String(i)));
    countSel.value = String(this.count);
    countSel.addEventListener('change', () => {
      this.count = Number(countSel.value);
      for (const [id, n] of this.assign) if (n > this.count) this.assign.set(id, 0);
      this.paint();
    });
    const names = h('div', { class: 'breakout-names' });
    for (let i = 1; i <= this.count; i++) {
      const input = this.ctl('input', `name-${i}`, { type: 'text', maxlength: '40', 'aria-label': t('breakoutRoomName', { n: i }) });
      input.value = this.names[i - 1] || t('breakoutDefaultName', { n: i });
      input.addEventListener('input', () => {
        this.names[i - 1] = input.value;
      });
      input.addEventListener('change', () => {
        this.signature = '';
        this.paint();
      });
      names.append(input);
    }
    const list = h('ul', { class: 'breakout-assign' });
    for (const person of people) {
      const sel = this.ctl('select', `assign-${person.id}`, { 'aria-label': t('breakoutAssignFor', { name: person.name }) });
      sel.append(...this.roomOptions(this.count, this.names, this.assign.get(person.id) ?? 0));
      sel.addEventListener('change', () => this.assign.set(person.id, Number(sel.value)));
      list.append(h('li', { class: 'breakout-person' }, h('span', { class: 'person-name' }, person.name), sel));
    }
    const random = this.ctl('button', 'random', { type: 'button', class: 'btn btn-secondary btn-small' });
    setText(random, t('breakoutRandom'));
    random.disabled = people.length === 0;
    random.addEventListener('click', () => {
      const shuffled = people.map((x) => x.id).sort(() => Math.random() - 0.5);
      shuffled.forEach((id, i) => this.assign.set(id, (i % this.count) + 1));
      this.signature = '';
      this.paint();
    });
    const dur = this.ctl('select', 'duration', { id: 'breakout-duration' });
    for (const m of durations) dur.append(h('option', { value: String(m) }, m ? t('breakoutMinutes', { n: m }) : t('breakoutNoTimer')));
    dur.value = String(this.minutes);
    dur.addEventListener('change', () => (this.minutes = Number(dur.value)));
    const allow = this.ctl('input', 'allow', { type: 'checkbox', id: 'breakout-allow' });
    allow.checked = this.allowReturn;
    allow.addEventListener('change', () => (this.allowReturn = allow.checked));
    const open = this.ctl('button', 'open', { type: 'button', class: 'btn btn-primary' });
    setText(open, t('breakoutOpen'));
    open.addEventListener('click', () => this.open());
    return [
      h('div', { class: 'breakout-field' }, h('label', { for: 'breakout-count' }, t('breakoutCount')), countSel),
      names,
      h('h3', {}, t('breakoutAssignHeading')),
      people.length ? list : h('p', { class: 'muted' }, t('breakoutNobody')),
      random,
      h('div', { class: 'breakout-field' }, h('label', { for: 'breakout-duration' }, t('breakoutDuration')), dur),
      h('div', { class: 'breakout-check' }, allow, h('label', { for: 'breakout-allow' }, t('breakoutAllowReturn'))),
      h('p', { class: 'muted breakout-hint' }, t('breakoutOpenHint')),
      open,
    ];
  }

  private open(): void {
    const rooms: string[] = [];
    for (let i = 1; i <= this.count; i++) rooms.push((this.names[i - 1] ?? '').trim() || t('breakoutDefaultName', { n: i }));
    const assign: Record<string, number> = {};
    for (const [id, n] of this.assign) if (n > 0 && n <= this.count && this.p.session.participants.has(id)) assign[id] = n;
    this.p.send({ type: 'breakout', action: 'open', rooms, assign, duration_s: this.minutes * 60, allow_return: this.allowReturn });
  }

  /** The rooms while open: who is where, move, visit, broadcast, close. */
  private openView(st: BreakoutStateMessage): HTMLElement[] {
    this.timeEls.length = 0;
    const rooms = st.rooms ?? [];
    const names = rooms.slice(1).map((r) => r.name);
    const time = h('p', { class: 'breakout-time' });
    this.timeEls.push(time);
    const out: HTMLElement[] = [h('p', { class: 'breakout-running' }, t('breakoutRunning')), time];
    for (const r of rooms) {
      const name = r.number === 0 ? t('breakoutMain') : r.name;
      const members = r.participants ?? [];
      const title = h('h3', {}, name, h('span', { class: 'muted' }, ` · ${members.length === 1 ? t('breakoutMembers1') : members.length ? t('breakoutMembers', { n: members.length }) : t('breakoutEmpty')}`));
      const here = st.room === r.number;
      let action: HTMLElement;
      if (here) action = h('span', { class: 'badge breakout-here' }, t('breakoutYouAreHere'));
      else {
        const visit = this.ctl('button', `visit-${r.number}`, { type: 'button', class: 'btn btn-secondary btn-small' });
        setText(visit, r.number === 0 ? t('breakoutBackToMain') : t('breakoutVisit', { name }));
        visit.addEventListener('click', () => this.p.send({ type: 'breakout', action: 'visit', room: r.number }));
        action = visit;
      }
      const list = h('ul', { class: 'breakout-assign' });
      for (const m of members) {
        if (m.id === this.p.session.selfId) {
          list.append(h('li', { class: 'breakout-person' }, h('span', { class: 'person-name' }, m.name)));
          continue;
        }
        const sel = this.ctl('select', `move-${m.id}`, { 'aria-label': t('breakoutMoveFor', { name: m.name }) });
        sel.append(...this.roomOptions(names.length, names, r.number));
        sel.addEventListener('change', () => this.p.send({ type: 'breakout', action: 'move', participant_id: m.id, room: Number(sel.value) }));
        list.append(h('li', { class: 'breakout-person' }, h('span', { class: 'person-name' }, m.name), sel));
      }
      out.push(h('section', { class: 'breakout-room' + (here ? ' here' : '') }, h('div', { class: 'breakout-room-head' }, title, action), list));
    }
    const text = this.ctl('textarea', 'broadcast-text', { id: 'breakout-broadcast', rows: '2', maxlength: '500' });
    text.value = this.draft;
    text.addEventListener('input', () => (this.draft = text.value));
    const send = this.ctl('button', 'broadcast', { type: 'button', class: 'btn btn-primary btn-small' });
    setText(send, t('breakoutBroadcastSend'));
    send.addEventListener('click', () => {
      const msg = text.value.trim();
      if (!msg) return text.focus();
      if (this.p.send({ type: 'breakout', action: 'broadcast', text: msg })) {
        this.draft = '';
        text.value = '';
        this.p.notify(t('breakoutBroadcastSent'));
      }
    });
    const close = this.ctl('button', 'close-all', { type: 'button', class: 'btn btn-danger' });
    setText(close, t('breakoutCloseAll'));
    close.addEventListener('click', () => this.p.send({ type: 'breakout', action: 'close' }));
    out.push(h('div', { class: 'breakout-broadcast' }, h('label', { for: 'breakout-broadcast' }, t('breakoutBroadcastLabel')), text, send), close);
    this.paintTimes();
    return out;
  }

  close(): void {
    window.clearInterval(this.tick);
  }
}
