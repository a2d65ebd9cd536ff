// The participants panel: the lobby (moderators), everyone with role badges, per-person and
// room-wide moderation actions.

import { h, icon, setAttr, setText } from '../dom';
import { t, type Key } from '../i18n';
import type { ModerationAction } from '../rtc/access';
import type { Participant } from '../rtc/protocol';
import type { Session } from '../rtc/session';
import type { ConfirmDialog } from './confirm';
import { isModerator, type ModerationState } from './moderation';

type Row = { id: string; name: string; self: boolean; p: Participant | null };

export class ParticipantsPanel {
  readonly el: HTMLElement;
  private readonly heading = h('h2', { id: 'participants-heading' });
  private readonly closeButton = h('button', { type: 'button', class: 'btn-icon panel-close' }, '×');
  private readonly body = h('div', { class: 'panel-body' });
  private readonly expanded = new Set<string>();
  private signature = '';

  constructor(
    private readonly session: Session,
    private readonly mod: ModerationState,
    private readonly confirm: ConfirmDialog,
    onClose: () => void,
  ) {
    this.closeButton.addEventListener('click', () => onClose());
    this.el = h(
      'section',
      { class: 'side-panel', 'aria-labelledby': 'participants-heading', hidden: true },
      h('div', { class: 'panel-header' }, this.heading, this.closeButton),
      this.body,
    );
    this.el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !this.confirm.el.open) onClose();
    });
  }

  /** Number of people in the meeting, us included. */
  count(): number {
    return this.session.participants.size + 1;
  }

  /** Focuses the panel: the first lobby request if asked and any, else the heading. */
  focus(lobby = false): void {
    const target = (lobby && this.body.querySelector<HTMLElement>('.lobby-list button')) || this.heading;
    target.tabIndex = target === this.heading ? -1 : 0;
    target.focus();
  }

  render(): void {
    if (this.el.hidden) return;
    setText(this.heading, t('participantsTitle', { n: this.count() }));
    setAttr(this.closeButton, 'aria-label', t('closePanel'));
    setAttr(this.closeButton, 'title', t('closePanel'));
    const rows = this.rows();
    const mod = this.mod;
    // Rebuild only when something shown changed, keeping the focused control.
    const sig = JSON.stringify([
      t('participantsTitle'),
      mod.canModerate,
      mod.room?.locked,
      [...mod.lobby.keys()],
      [...this.expanded],
      rows.map((r) => [r.id, r.name, r.p?.role, r.p?.signed_in, r.p?.tracks.map((x) => `${x.source}${x.muted ? 0 : 1}`)]),
      this.session.micOn,
      !!this.session.screen,
    ]);
    if (sig === this.signature) return;
    this.signature = sig;
    const focusKey = (document.activeElement as HTMLElement | null)?.dataset?.k;
    const parts: HTMLElement[] = [];
    if (mod.canModerate) parts.push(this.lobbySection());
    parts.push(h('ul', { class: 'people', 'aria-labelledby': 'participants-heading' }, ...rows.map((r) => this.personRow(r))));
    if (mod.canModerate) parts.push(this.roomActions());
    this.body.replaceChildren(...parts);
    if (focusKey) this.body.querySelector<HTMLElement>(`[data-k="${CSS.escape(focusKey)}"]`)?.focus();
  }

  private rows(): Row[] {
    const selfName = this.mod.self?.name ?? this.session.name;
    const rows: Row[] = [{ id: this.session.selfId || 'self', name: selfName, self: true, p: this.mod.self }];
    for (const p of this.session.participants.values()) rows.push({ id: p.id, name: p.name, self: false, p });
    return rows;
  }

  private button(key: string, label: string, onClick: () => void, extra: Record<string, string> = {}): HTMLButtonElement {
    const b = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-k': key, ...extra }, label);
    b.addEventListener('click', onClick);
    return b;
  }

  private lobbySection(): HTMLElement {
    const requests = [...this.mod.lobby.values()];
    const title = h('h3', { id: 'lobby-heading' }, t('lobbyPanelTitle') + ` (${requests.length})`);
    if (requests.length === 0) title.append(h('span', { class: 'muted lobby-empty' }, ' · ' + t('lobbyEmpty')));
    const items = requests.map((r) =>
      h(
        'li',
        { class: 'lobby-item' },
        h('span', { class: 'person-name' }, r.name),
        h('span', { class: `badge ${r.signed_in ? 'badge-in' : 'badge-guest'}` }, t(r.signed_in ? 'lobbySignedIn' : 'lobbyGuest')),
        h(
          'span',
          { class: 'row-actions' },
          this.button(`admit-${r.request_id}`, t('admit'), () => this.mod.admit([r.request_id]), { 'aria-label': t('admitLabel', { name: r.name }), class: 'btn btn-primary btn-small' }),
          this.button(`deny-${r.request_id}`, t('deny'), () => this.mod.deny([r.request_id]), { 'aria-label': t('denyLabel', { name: r.name }) }),
        ),
      ),
    );
    const all = requests.length > 1 ? this.button('admit-all', t('admitAll'), () => this.mod.admit('all')) : null;
    return h('section', { class: 'lobby-section', 'aria-labelledby': 'lobby-heading' }, title, items.length ? h('ul', { class: 'lobby-list' }, ...items) : null, all);
  }

  private badges(r: Row): HTMLElement[] {
    const out: HTMLElement[] = [];
    const role = r.p?.role;
    if (role === 'owner') out.push(h('span', { class: 'badge badge-owner' }, t('role_owner')));
    else if (role === 'administrator' || (r.self && this.mod.canModerate)) out.push(h('span', { class: 'badge badge-mod' }, t('role_moderator')));
    if (r.p && r.p.signed_in === false) out.push(h('span', { class: 'badge badge-guest' }, t('role_guest')));
    return out;
  }

  private personRow(r: Row): HTMLElement {
    const mic = r.self ? (this.session.micOn ? null : 'micOff') : r.p?.tracks.find((x) => x.source === 'microphone' && !x.muted) ? null : 'micOff';
    const label = r.self ? t('you', { name: r.name }) : r.name;
    const line = h(
      'div',
      { class: 'person-line' },
      h('span', { class: 'person-name', title: label }, label),
      ...this.badges(r),
      mic ? h('span', { class: 'person-muted', role: 'img', 'aria-label': t('micMuted') }, icon('micOff')) : null,
    );
    const li = h('li', { class: 'person', 'data-id': r.id }, line);
    // Moderators act on the others, except the owner.
    if (!this.mod.canModerate || r.self || !r.p || r.p.role === 'owner') return li;
    const p = r.p;
    const open = this.expanded.has(p.id);
    const groupId = `actions-${p.id}`;
    const toggle = this.button(`toggle-${p.id}`, '⋯', () => {
      if (this.expanded.has(p.id)) this.expanded.delete(p.id);
      else this.expanded.add(p.id);
      this.render();
    });
    toggle.className = 'btn-icon person-toggle';
    setAttr(toggle, 'aria-label', t('actionsFor', { name: p.name }));
    setAttr(toggle, 'aria-expanded', String(open));
    setAttr(toggle, 'aria-controls', groupId);
    line.append(toggle);
    if (!open) return li;
    const live = (source: string) => p.tracks.some((x) => x.source === source && !x.muted);
    const act = (action: ModerationAction, key: Key, enabled = true) => {
      const b = this.button(`${action}-${p.id}`, t(key), () => this.act(action, p));
      b.disabled = !enabled;
      if (action === 'remove') b.className = 'btn btn-danger btn-small';
      return b;
    };
    li.append(
      h(
        'div',
        { class: 'person-actions', role: 'group', id: groupId, 'aria-label': t('actionsFor', { name: p.name }) },
        act('mute', 'muteMic', live('microphone')),
        act('camera_off', 'muteCamera', live('camera')),
        live('screen') ? act('stop_screen', 'stopShare') : null,
        isModerator(p) ? null : act('promote', 'promote'),
        act('remove', 'removeFromMeeting'),
      ),
    );
    return li;
  }

  private act(action: ModerationAction, p: Participant): void {
    if (action === 'remove') {
      this.confirm.ask(t('confirmRemove', { name: p.name }), t('removeFromMeeting'), () => this.mod.moderate('remove', p.id));
      return;
    }
    this.mod.moderate(action, p.id);
  }

  private roomActions(): HTMLElement {
    const locked = this.mod.room?.locked === true;
    return h(
      'div',
      { class: 'room-actions-panel', role: 'group', 'aria-label': t('roomActions') },
      this.button('mute-all', t('muteAll'), () => this.confirm.ask(t('confirmMuteAll'), t('muteAll'), () => this.mod.moderate('mute_all'))),
      this.button('lock', locked ? t('unlockRoom') : t('lockRoom'), () => this.mod.moderate(locked ? 'unlock' : 'lock')),
      this.button('end', t('endForAll'), () => this.confirm.ask(t('confirmEnd'), t('endForAll'), () => this.mod.moderate('end')), { class: 'btn btn-danger btn-small' }),
    );
  }
}
