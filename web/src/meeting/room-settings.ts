// The owners' room settings: rename, access level, members and their roles (PATCH
// /api/v1/rooms/{code}, GET/PUT/DELETE /api/v1/rooms/{code}/roles/{user_id}, docs/openapi.yaml).

import { ApiError } from '../api';
import { h, setText } from '../dom';
import { errorText, t, type Key } from '../i18n';
import { accessLevels, lookupRoom, type Access, type Room } from '../rooms';
import { Dialog } from './dialog';

interface Member {
  user_id: string;
  name: string;
  email: string;
  role: 'owner' | 'administrator' | 'member';
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T | null> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const data: unknown = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText);
  }
  return data as T;
}

const reason = (err: unknown) => (err instanceof ApiError ? errorText(err.code) : t('reasonUnreachable'));

export class RoomSettings {
  private readonly dialog = new Dialog('room-settings');
  private readonly nameInput = h('input', { type: 'text', id: 'room-settings-name', maxlength: '100' });
  private readonly accessInputs = new Map<Access, HTMLInputElement>();
  private readonly status = h('p', { class: 'settings-status', role: 'status' });
  private readonly members = h('ul', { class: 'members' });
  private readonly membersStatus = h('p', { class: 'muted' });
  private readonly saveButton = h('button', { type: 'submit', class: 'btn btn-primary' });

  /** onRenamed: the room's new name, for the header. */
  constructor(
    private readonly code: string,
    private readonly onRenamed: (name: string) => void,
  ) {
    this.dialog.el.addEventListener('close', () => setText(this.status, ''));
  }

  get el(): HTMLElement {
    return this.dialog.el;
  }

  async open(): Promise<void> {
    const nameLabel = h('label', { for: 'room-settings-name' }, t('settingsNameLabel'));
    const radios = accessLevels.map((a) => {
      const input = h('input', { type: 'radio', name: 'room-settings-access', id: `room-settings-${a}`, value: a });
      this.accessInputs.set(a, input);
      return h('div', { class: 'radio' }, input, h('label', { for: `room-settings-${a}` }, t(`access_${a}` as Key), h('span', { class: 'muted help' }, t(`access_${a}_help` as Key))));
    });
    setText(this.saveButton, t('saveSettings'));
    const form = h('form', { class: 'settings-form' }, nameLabel, this.nameInput, h('fieldset', {}, h('legend', {}, t('accessLegend')), ...radios), h('div', { class: 'actions' }, this.saveButton), this.status);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.save();
    });
    this.dialog.body.replaceChildren(form, h('h3', {}, t('membersTitle')), this.membersStatus, this.members, this.addForm());
    this.dialog.show(t('roomSettingsTitle'));
    try {
      const room = await lookupRoom(this.code);
      this.nameInput.value = room.name;
      const input = this.accessInputs.get(room.access);
      if (input) input.checked = true;
    } catch (err) {
      setText(this.status, t('settingsFailed', { reason: reason(err) }));
    }
    await this.loadMembers();
  }

  private async save(): Promise<void> {
    const access = [...this.accessInputs].find(([, i]) => i.checked)?.[0];
    this.saveButton.setAttribute('aria-busy', 'true');
    try {
      const room = await call<Room>('PATCH', `/api/v1/rooms/${encodeURIComponent(this.code)}`, { name: this.nameInput.value.trim(), ...(access ? { access } : {}) });
      if (room) this.onRenamed(room.name);
      setText(this.status, t('settingsSaved'));
    } catch (err) {
      setText(this.status, t('settingsFailed', { reason: reason(err) }));
    } finally {
      this.saveButton.removeAttribute('aria-busy');
    }
  }

  private async loadMembers(): Promise<void> {
    let list: Member[];
    try {
      list = (await call<{ members: Member[] }>('GET', `/api/v1/rooms/${encodeURIComponent(this.code)}/roles`))?.members ?? [];
    } catch {
      setText(this.membersStatus, t('membersFailed'));
      this.members.replaceChildren();
      return;
    }
    setText(this.membersStatus, list.length <= 1 ? t('membersEmpty') : '');
    this.members.replaceChildren(...list.map((m) => this.memberRow(m)));
  }

  /** "Give someone a role": an e-mail address and a role (POST /api/v1/rooms/{code}/members). */
  private addForm(): HTMLElement {
    const email = h('input', { type: 'email', id: 'room-settings-email', autocomplete: 'off', maxlength: '254', required: true });
    const role = h('select', { id: 'room-settings-role' },
      ...(['member', 'administrator'] as const).map((r) => h('option', { value: r }, t(`role_${r}`))),
    );
    const add = h('button', { type: 'submit', class: 'btn btn-secondary' }, t('addMember'));
    const form = h('form', { class: 'add-member' },
      h('fieldset', {}, h('legend', {}, t('addMemberLegend')),
        h('div', { class: 'field' }, h('label', { for: 'room-settings-email' }, t('addMemberEmail')), email),
        h('div', { class: 'field' }, h('label', { for: 'room-settings-role' }, t('addMemberRole')), role),
        h('div', { class: 'actions' }, add)),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const m = await call<Member>('POST', `/api/v1/rooms/${encodeURIComponent(this.code)}/members`, { email: email.value.trim(), role: role.value });
        if (m) setText(this.status, t('memberAdded', { name: m.name, role: t(`role_${m.role as 'member'}`) }));
        email.value = '';
        await this.loadMembers();
      } catch (err) {
        setText(this.status, t('settingsFailed', { reason: reason(err) }));
      }
    });
    return form;
  }

  private memberRow(m: Member): HTMLElement {
    const who = h('span', { class: 'member-who' }, h('strong', {}, m.name), ' ', h('span', { class: 'muted' }, m.email));
    if (m.role === 'owner') return h('li', {}, who, h('span', { class: 'member-role' }, t('role_owner')));
    const select = h('select', { 'aria-label': t('roleOf', { name: m.name }) },
      ...(['administrator', 'member'] as const).map((r) => {
        const o = h('option', { value: r }, t(`role_${r}`));
        o.selected = r === m.role;
        return o;
      }),
    );
    select.addEventListener('change', async () => {
      try {
        await call('PUT', `/api/v1/rooms/${encodeURIComponent(this.code)}/roles/${encodeURIComponent(m.user_id)}`, { role: select.value });
        setText(this.status, t('roleChanged', { name: m.name, role: t(`role_${select.value as 'member'}`) }));
      } catch (err) {
        setText(this.status, t('settingsFailed', { reason: reason(err) }));
      }
    });
    const remove = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, t('removeMember', { name: m.name }));
    remove.addEventListener('click', async () => {
      try {
        await call('DELETE', `/api/v1/rooms/${encodeURIComponent(this.code)}/roles/${encodeURIComponent(m.user_id)}`);
        setText(this.status, t('memberRemoved', { name: m.name }));
        await this.loadMembers();
      } catch (err) {
        setText(this.status, t('settingsFailed', { reason: reason(err) }));
      }
    });
    return h('li', {}, who, select, remove);
  }

  destroy(): void {
    this.dialog.destroy();
  }
}
