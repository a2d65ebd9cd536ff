// Keyboard shortcuts of the meeting, and the dialog listing them (Ctrl+/). Each has Ctrl (⌘ on
// a Mac): single-key shortcuts would fire while typing and cannot be turned off.

import { h } from '../dom';
import { t, type Key } from '../i18n';
import { Dialog } from './dialog';

export interface ShortcutActions {
  toggleMic(): void;
  toggleCamera(): void;
  toggleFullscreen(): void;
  /** Raises or lowers one's hand (hands.ts). */
  toggleHand?(): void;
  /** Opens or closes the chat (chat.ts). */
  toggleChat?(): void;
}

interface Shortcut {
  keys: string[];
  label: Key;
  /** Matches a keydown (ctrl or meta already pressed). */
  match?: (ev: KeyboardEvent) => boolean;
  run?: () => void;
}

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
const mod = isMac ? '⌘' : 'Ctrl';

export class Shortcuts {
  private readonly dialog = new Dialog('shortcuts-dialog');
  private readonly list: Shortcut[];
  private readonly onKey = (ev: KeyboardEvent) => this.handle(ev);

  constructor(actions: ShortcutActions) {
    this.list = [
      { keys: [mod, 'D'], label: 'shortcutMic', match: (ev) => !ev.shiftKey && ev.code === 'KeyD', run: () => actions.toggleMic() },
      { keys: [mod, 'E'], label: 'shortcutCam', match: (ev) => !ev.shiftKey && ev.code === 'KeyE', run: () => actions.toggleCamera() },
      { keys: [mod, 'Maj', 'F'], label: 'shortcutFullscreen', match: (ev) => ev.shiftKey && ev.code === 'KeyF', run: () => actions.toggleFullscreen() },
      { keys: [mod, 'Maj', 'H'], label: 'shortcutHand', match: (ev) => ev.shiftKey && ev.code === 'KeyH', run: () => actions.toggleHand?.() },
      { keys: [mod, 'Maj', 'M'], label: 'shortcutChat', match: (ev) => ev.shiftKey && ev.code === 'KeyM', run: () => actions.toggleChat?.() },
      { keys: [mod, '/'], label: 'shortcutHelp', match: (ev) => ev.key === '/' || ev.code === 'Slash', run: () => this.open() },
      { keys: ['Échap'], label: 'shortcutClose' },
    ];
    document.addEventListener('keydown', this.onKey);
  }

  private handle(ev: KeyboardEvent): void {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || ev.repeat) return;
    const s = this.list.find((x) => x.match?.(ev));
    if (!s?.run) return;
    ev.preventDefault();
    s.run();
  }

  open(): void {
    const english = document.documentElement.lang === 'en';
    const keyName = (k: string) => (english ? ({ Maj: 'Shift', Échap: 'Esc' } as Record<string, string>)[k] ?? k : k);
    const rows = this.list.map((s) =>
      h('tr', {}, h('td', {}, t(s.label)), h('td', {}, ...s.keys.flatMap((k, i) => [i > 0 ? ' + ' : '', h('kbd', {}, keyName(k))]))),
    );
    this.dialog.body.replaceChildren(h('table', { class: 'shortcuts' }, h('tbody', {}, ...rows)));
    this.dialog.show(t('shortcutsTitle'));
  }

  destroy(): void {
    document.removeEventListener('keydown', this.onKey);
    this.dialog.destroy();
  }
}
