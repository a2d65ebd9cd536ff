// The everyday meeting's additions around the grid: a "More options" menu (devices, full
// screen, keyboard shortcuts, the owners' room settings), the meeting's name and a clock in the
// header, and a pinned tile.

import { h, setAttr, setText } from '../dom';
import { lang, onLangChange, t } from '../i18n';
import type { Role } from '../rooms';
import type { Session } from '../rtc/session';
import type { AudioSinks } from './audio';
import { DevicesDialog } from './devices';
import { RoomSettings } from './room-settings';
import { Shortcuts } from './shortcuts';

export interface ExtrasParams {
  session: Session;
  sinks: AudioSinks;
  code: string;
  roomName: string;
  role: Role;
  toggleMic(): void;
  toggleCamera(): void;
  toggleHand?(): void;
  /** Opens or closes the chat (chat.ts). */
  toggleChat?(): void;
  micChanged(track: MediaStreamTrack): void;
  notify(text: string): void;
  changed(): void;
  /** Extra content for the devices dialog. */
  devicesExtra?: HTMLElement;
}

const moreIcon = (): SVGSVGElement => {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  for (const cy of [5, 12, 19]) {
    const c = document.createElementNS(ns, 'circle');
    c.setAttribute('cx', '12');
    c.setAttribute('cy', String(cy));
    c.setAttribute('r', '2');
    svg.append(c);
  }
  return svg;
};

export class MeetingExtras {
  /** The toolbar button opening the menu. */
  readonly button: HTMLButtonElement;
  /** The participant whose camera is on the stage, if any. */
  pinned: string | null = null;
  private readonly label = h('span', { class: 'control-label' });
  private readonly menu: HTMLElement;
  private readonly devicesItem = h('button', { type: 'button', class: 'menu-item' });
  private readonly fullscreenItem = h('button', { type: 'button', class: 'menu-item' });
  private readonly shortcutsItem = h('button', { type: 'button', class: 'menu-item' });
  private readonly settingsItem = h('button', { type: 'button', class: 'menu-item' });
  private readonly info = h('p', { class: 'meeting-info' });
  private readonly nameEl = h('span', { class: 'meeting-name' });
  private readonly clockEl = h('time', { class: 'meeting-clock' });
  private readonly devices: DevicesDialog;
  private readonly shortcuts: Shortcuts;
  private readonly settings: RoomSettings | null;
  private readonly clock: number;
  private readonly offLang: () => void;
  private readonly onDocClick = (ev: MouseEvent) => {
    if (!this.menu.hidden && !this.menu.contains(ev.target as Node) && !this.button.contains(ev.target as Node)) this.closeMenu();
  };
  private readonly onFullscreen = () => this.paint();
  private roomName: string;

  constructor(private readonly p: ExtrasParams) {
    this.roomName = p.roomName;
    this.button = h('button', { type: 'button', class: 'control control-more', 'aria-expanded': 'false', 'aria-controls': 'meeting-menu' }, moreIcon(), this.label);
    this.menu = h('div', { class: 'meeting-menu', id: 'meeting-menu', hidden: true }, this.devicesItem, this.fullscreenItem, this.shortcutsItem, this.settingsItem);
    this.button.addEventListener('click', () => (this.menu.hidden ? this.openMenu() : this.closeMenu()));
    this.menu.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        this.closeMenu();
        this.button.focus();
      }
    });
    this.devices = new DevicesDialog(p.session, p.sinks, { micChanged: p.micChanged, cameraChanged: () => p.changed(), notify: p.notify, extra: p.devicesExtra });
    this.shortcuts = new Shortcuts({ toggleMic: p.toggleMic, toggleCamera: p.toggleCamera, toggleFullscreen: () => this.toggleFullscreen(), toggleHand: () => p.toggleHand?.(), toggleChat: () => p.toggleChat?.() });
    const canSet = p.role === 'owner' || p.role === 'administrator';
    this.settings = canSet ? new RoomSettings(p.code, (name) => {
      this.roomName = name;
      this.paint();
    }) : null;
    this.settingsItem.hidden = !canSet;
    this.devicesItem.addEventListener('click', () => this.item(() => void this.devices.open()));
    this.fullscreenItem.addEventListener('click', () => this.item(() => this.toggleFullscreen()));
    this.shortcutsItem.addEventListener('click', () => this.item(() => this.shortcuts.open()));
    this.settingsItem.addEventListener('click', () => this.item(() => void this.settings?.open()));
    this.fullscreenItem.hidden = !document.fullscreenEnabled;

    this.info.append(this.nameEl, h('span', { 'aria-hidden': 'true' }, ' · '), this.clockEl);
    document.querySelector('.site-header .brand')?.after(this.info);
    document.addEventListener('click', this.onDocClick);
    document.addEventListener('fullscreenchange', this.onFullscreen);
    this.clock = window.setInterval(() => this.paint(), 10_000);
    this.offLang = onLangChange(() => this.paint());
    this.paint();
  }

  /** Elements to place in the page: the menu. */
  get elements(): HTMLElement[] {
    return [this.menu];
  }

  togglePin(key: string): void {
    this.pinned = this.pinned === key ? null : key;
    this.p.changed();
  }

  /** Forgets a pin whose participant left. */
  keepPin(present: (key: string) => boolean): void {
    if (this.pinned && !present(this.pinned)) this.pinned = null;
  }

  toggleFullscreen(): void {
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    else void document.documentElement.requestFullscreen().catch(() => undefined);
  }

  private item(fn: () => void): void {
    this.closeMenu();
    fn();
  }

  private openMenu(): void {
    this.menu.hidden = false;
    setAttr(this.button, 'aria-expanded', 'true');
    this.menu.querySelector<HTMLButtonElement>('button:not([hidden])')?.focus();
  }

  private closeMenu(): void {
    this.menu.hidden = true;
    setAttr(this.button, 'aria-expanded', 'false');
  }

  private paint(): void {
    setText(this.label, t('moreOptions'));
    setAttr(this.button, 'title', t('moreOptions'));
    setAttr(this.menu, 'aria-label', t('moreOptions'));
    setText(this.devicesItem, t('devicesButton'));
    setText(this.fullscreenItem, document.fullscreenElement ? t('fullscreenOff') : t('fullscreenOn'));
    setText(this.shortcutsItem, t('shortcutsButton'));
    setText(this.settingsItem, t('roomSettingsButton'));
    const now = new Date();
    const time = new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : 'fr-FR', { hour: '2-digit', minute: '2-digit' }).format(now);
    const name = this.roomName || this.p.code;
    setText(this.nameEl, name);
    setText(this.clockEl, time);
    setAttr(this.clockEl, 'datetime', now.toISOString());
    setAttr(this.info, 'aria-label', t('meetingInfo', { name, time }));
  }

  close(): void {
    window.clearInterval(this.clock);
    this.offLang();
    document.removeEventListener('click', this.onDocClick);
    document.removeEventListener('fullscreenchange', this.onFullscreen);
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    this.info.remove();
    this.menu.remove();
    this.devices.destroy();
    this.shortcuts.destroy();
    this.settings?.destroy();
  }
}
