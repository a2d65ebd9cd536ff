// Raised hands and reactions: the toolbar's hand toggle and reactions menu, the hand badges
// (with the order raised) on tiles and in the participants panel, the moderators' "lower hand",
// and reactions floating over the sender's tile. Everything is announced to screen readers.

import './hands.css';
import { h, setAttr, setText } from '../dom';
import { t } from '../i18n';
import { reactions, type RaisedHand } from '../rtc/hands';
import type { ClientMessage, ServerMessage } from '../rtc/protocol';
import { announce } from '../shell';

const floatMs = 2500;

export interface HandsDeps {
  send(m: ClientMessage): void;
  selfId(): string;
  canModerate(): boolean;
  notify(text: string): void;
  changed(): void;
}

export class HandsUI {
  readonly handButton: HTMLButtonElement;
  readonly reactButton: HTMLButtonElement;
  readonly menu: HTMLElement;
  private hands: RaisedHand[] = [];
  private readonly label = h('span', { class: 'control-label' });
  private readonly reactLabel = h('span', { class: 'control-label' });
  private readonly onDocClick = (ev: MouseEvent) => {
    if (!this.menu.hidden && !this.menu.contains(ev.target as Node) && ev.target !== this.reactButton && !this.reactButton.contains(ev.target as Node)) this.closeMenu(false);
  };

  constructor(private readonly d: HandsDeps) {
    this.handButton = h('button', { type: 'button', class: 'control control-hand', onclick: () => this.toggle() }, h('span', { class: 'hand-emoji', 'aria-hidden': 'true' }, '✋'), this.label);
    this.menu = h('div', { class: 'reactions-menu', role: 'menu', hidden: true, id: 'reactions-menu' });
    for (const emoji of reactions) {
      const b = h('button', { type: 'button', role: 'menuitem', onclick: () => this.react(emoji) }, emoji);
      b.dataset.emoji = emoji;
      b.addEventListener('keydown', (ev) => this.menuKey(ev));
      this.menu.append(b);
    }
    this.reactButton = h(
      'button',
      { type: 'button', class: 'control control-react', 'aria-haspopup': 'menu', 'aria-controls': 'reactions-menu', 'aria-expanded': 'false', onclick: () => (this.menu.hidden ? this.openMenu() : this.closeMenu(true)) },
      h('span', { class: 'hand-emoji', 'aria-hidden': 'true' }, '🙂'),
      this.reactLabel,
    );
    document.addEventListener('click', this.onDocClick);
    this.paint();
  }

  /** The position (1-based) of participant id's raised hand, or 0. */
  position(id: string): number {
    return this.hands.findIndex((x) => x.participant_id === id) + 1;
  }

  get raised(): boolean {
    return this.position(this.d.selfId()) > 0;
  }

  toggle(): void {
    this.d.send({ type: 'hand', raised: !this.raised });
  }

  lower(id: string): void {
    this.d.send({ type: 'hand', raised: false, participant_id: id });
  }

  private react(emoji: string): void {
    this.d.send({ type: 'reaction', emoji });
    this.closeMenu(true);
  }

  private openMenu(): void {
    this.menu.hidden = false;
    this.reactButton.setAttribute('aria-expanded', 'true');
    const r = this.reactButton.getBoundingClientRect();
    this.menu.style.left = `${Math.max(8, r.left + r.width / 2 - 150)}px`;
    (this.menu.firstElementChild as HTMLElement | null)?.focus();
  }

  private closeMenu(focus: boolean): void {
    this.menu.hidden = true;
    this.reactButton.setAttribute('aria-expanded', 'false');
    if (focus) this.reactButton.focus();
  }

  private menuKey(ev: KeyboardEvent): void {
    const items = Array.from(this.menu.querySelectorAll('button'));
    const i = items.indexOf(ev.target as HTMLButtonElement);
    let next = -1;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') next = (i + 1) % items.length;
    else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') next = (i - 1 + items.length) % items.length;
    else if (ev.key === 'Home') next = 0;
    else if (ev.key === 'End') next = items.length - 1;
    else if (ev.key === 'Escape' || ev.key === 'Tab') {
      ev.preventDefault();
      this.closeMenu(true);
      return;
    }
    if (next >= 0) {
      ev.preventDefault();
      items[next]?.focus();
    }
  }

  onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome':
        this.hands = m.hands ?? [];
        break;
      case 'hands': {
        this.hands = m.hands;
        const self = m.participant_id === this.d.selfId();
        const n = this.position(m.participant_id);
        if (m.raised) {
          if (self) announce(t(n === 1 ? 'handYouRaisedFirst' : 'handYouRaised', { n }));
          else announce(t(n === 1 ? 'handRaisedAnnounceFirst' : 'handRaisedAnnounce', { name: this.nameOf(m.participant_id), n }));
        } else if (self && m.reason === 'moderator' && m.by) this.d.notify(t('handLoweredByModerator', { by: m.by.name }));
        else if (self && m.reason === 'spoke') this.d.notify(t('handLoweredSpoke'));
        break;
      }
      case 'reaction':
        this.float(m.participant_id === this.d.selfId() ? 'self' : m.participant_id, m.emoji);
        announce(t('reactionAnnounce', { name: m.participant_id === this.d.selfId() ? t('you', { name: m.name }) : m.name, emoji: m.emoji }));
        return;
      case 'error':
        if (m.code === 'reaction_limited') this.d.notify(t('reactionLimited'));
        else if (m.code === 'forbidden' && performance.now() - this.lastLower < 3000) this.d.notify(t('handForbidden'));
        return;
      default:
        return;
    }
    this.paint();
    this.d.changed();
  }

  private lastLower = -Infinity;
  private nameOf(id: string): string {
    return this.hands.find((x) => x.participant_id === id)?.name ?? '';
  }

  /** Floats emoji over the tile of key ('self' for one's own), for a moment. */
  private float(key: string, emoji: string): void {
    const tile = document.querySelector<HTMLElement>(`.tile[data-key="${CSS.escape(key)}"]`);
    if (!tile) return;
    const el = h('span', { class: 'reaction-float', 'aria-hidden': 'true' }, emoji);
    tile.append(el);
    window.setTimeout(() => el.remove(), floatMs);
  }

  /** Sets the toolbar's labels (on language change too). */
  paint(): void {
    const text = t(this.raised ? 'handLower' : 'handRaise');
    setText(this.label, text);
    setAttr(this.handButton, 'title', `${text} (${t('handShortcutHint')})`);
    this.handButton.setAttribute('aria-pressed', String(this.raised));
    this.handButton.classList.toggle('highlighted', this.raised);
    setText(this.reactLabel, t('reactionsButton'));
    setAttr(this.reactButton, 'title', t('reactionsMenu'));
    setAttr(this.menu, 'aria-label', t('reactionsMenu'));
    for (const b of this.menu.querySelectorAll<HTMLButtonElement>('button')) setAttr(b, 'aria-label', t('reactionSend', { emoji: b.dataset.emoji ?? '' }));
  }

  /** Puts the hand badges on the tiles (key 'self' or a participant id) and in the participants
   *  panel, with the moderators' "lower hand" buttons. Called after every render. */
  decorate(tiles: Map<string, { el: HTMLElement }>, panel: HTMLElement): void {
    const self = this.d.selfId();
    for (const [key, tile] of tiles) this.badge(tile.el, this.position(key === 'self' ? self : key), tile.el);
    this.order(panel);
    for (const li of panel.querySelectorAll<HTMLElement>('li.person[data-id]')) {
      const id = li.dataset.id ?? '';
      const n = this.position(id);
      const line = li.querySelector<HTMLElement>('.person-line') ?? li;
      this.badge(line, n, line.querySelector('.person-name')?.nextSibling ?? null);
      let lower = li.querySelector<HTMLButtonElement>('button.hand-lower');
      const want = n > 0 && id !== self && this.d.canModerate();
      if (!want) lower?.remove();
      else {
        const name = this.hands[n - 1]?.name ?? '';
        if (!lower) {
          // Compact (an icon; its name for screen readers and in the tooltip): the person's
          // name keeps the room.
          lower = h('button', { type: 'button', class: 'btn btn-secondary btn-small hand-lower', onclick: () => {
            this.lastLower = performance.now();
            this.lower(id);
          } }, h('span', { 'aria-hidden': 'true' }, '✋↓'));
          line.insertBefore(lower, line.querySelector(':scope > .person-toggle'));
        }
        setAttr(lower, 'aria-label', t('handLowerFor', { name }));
        setAttr(lower, 'title', t('handLowerFor', { name }));
      }
    }
  }

  /** Puts raised hands first in the participants list, in the order raised; the others keep
   *  the panel's order. */
  private order(panel: HTMLElement): void {
    const list = panel.querySelector<HTMLElement>('ul.people');
    if (!list) return;
    const items = Array.from(list.querySelectorAll<HTMLElement>(':scope > li.person[data-id]'));
    if (items.some((li) => li.dataset.order === undefined)) items.forEach((li, i) => (li.dataset.order = String(i)));
    const rank = (li: HTMLElement) => {
      const n = this.position(li.dataset.id ?? '');
      return n > 0 ? n - 1000 : Number(li.dataset.order);
    };
    const sorted = [...items].sort((a, b) => rank(a) - rank(b));
    if (sorted.some((li, i) => li !== items[i])) list.append(...sorted);
  }

  private badge(parent: HTMLElement, n: number, before: Node | null): void {
    let b = parent.querySelector<HTMLElement>(':scope > .hand-badge');
    if (n === 0) {
      b?.remove();
      return;
    }
    if (!b) {
      b = h('span', { class: 'hand-badge', role: 'img' });
      parent.insertBefore(b, before && before.parentNode === parent ? before : null);
    }
    setText(b, `✋ ${n}`);
    setAttr(b, 'aria-label', t(n === 1 ? 'handBadgeFirst' : 'handBadge', { n }));
  }

  close(): void {
    document.removeEventListener('click', this.onDocClick);
    this.menu.remove();
  }
}
