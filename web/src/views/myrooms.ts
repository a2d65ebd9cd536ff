// Home page parts for signed-in users ("Nouvelle réunion" with a name and an access level,
// "Mes réunions"), and the invitation to sign in for the others.

import { ApiError } from '../api';
import { signInUrl, type Me } from '../auth';
import { h, icon, setAttr, setText } from '../dom';
import { errorText, t, type Key } from '../i18n';
import { accessLevels, copyText, createNamedRoom, myRooms, roomLink, type Access, type Room } from '../rooms';
import { announce, navigate } from '../shell';

export interface HomePart {
  el: HTMLElement;
  paint(): void;
}

/** The invitation to sign in, for signed-out visitors. */
export function signInCard(): HomePart {
  const heading = h('h2');
  const body = h('p');
  const link = h('a', { class: 'btn btn-primary btn-large', href: signInUrl('/') });
  const el = h('section', { class: 'card hero', 'aria-labelledby': 'signin-heading' }, heading, body, link);
  heading.id = 'signin-heading';
  return {
    el,
    paint: () => {
      setText(heading, t('homeSignInTitle'));
      setText(body, t('homeSignInBody'));
      setText(link, t('homeSignInButton'));
    },
  };
}

/** "Nouvelle réunion": a name and an access level, each level explained in one line. */
export function newRoomCard(): HomePart {
  const heading = h('h2', { id: 'new-room-heading' });
  const nameLabel = h('label', { for: 'room-name' });
  const nameInput = h('input', { id: 'room-name', type: 'text', maxlength: '100', autocomplete: 'off' });
  const legend = h('legend');
  const fieldset = h('fieldset', { class: 'access-choice' }, legend);
  const radios = accessLevels.map((level) => {
    const input = h('input', { type: 'radio', name: 'access', value: level, id: `access-${level}`, 'aria-describedby': `access-${level}-help` });
    input.checked = level === 'trusted';
    const label = h('label', { for: `access-${level}` });
    const help = h('p', { class: 'muted access-help', id: `access-${level}-help` });
    fieldset.append(h('div', { class: 'access-option' }, input, h('div', {}, label, help)));
    return { level, label, help };
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-large' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'new-room', 'aria-labelledby': 'new-room-heading', novalidate: true }, heading, nameLabel, nameInput, fieldset, submit, error);
  let busy = false;
  let failure = '';

  const paint = () => {
    setText(heading, t('newMeetingTitle'));
    setText(nameLabel, t('roomNameLabel'));
    nameInput.placeholder = t('roomNamePlaceholder');
    setText(legend, t('accessLegend'));
    for (const r of radios) {
      setText(r.label, t(`access_${r.level}` as Key));
      setText(r.help, t(`access_${r.level}_help` as Key));
    }
    setText(submit, busy ? t('creatingMeeting') : t('createMeeting'));
    setText(error, failure ? t('createFailed') + (failure === 'unknown' ? '' : ` (${errorText(failure)})`) : '');
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    failure = '';
    submit.setAttribute('aria-busy', 'true');
    paint();
    const access = (new FormData(form).get('access') as Access | null) ?? 'trusted';
    try {
      const room = await createNamedRoom(nameInput.value.trim(), access);
      navigate('/' + room.code);
    } catch (err) {
      console.warn('visio: create room', err);
      failure = err instanceof ApiError ? err.code : 'unknown';
      busy = false;
      submit.removeAttribute('aria-busy');
      paint();
    }
  });
  return { el: h('section', { class: 'card hero' }, form), paint };
}

/** "Mes réunions": the rooms on which the user has a role, with open and copy-link. */
export function myRoomsCard(user: Me): HomePart {
  const heading = h('h2', { id: 'my-rooms-heading' });
  const status = h('p', { class: 'muted', role: 'status' });
  const list = h('ul', { class: 'room-list', 'aria-labelledby': 'my-rooms-heading' });
  let rooms: Room[] | null = null;
  let failed = false;

  const row = (room: Room) => {
    const title = room.name || t('untitledRoom');
    const open = h('a', { href: '/' + room.code, class: 'btn btn-primary btn-small', 'aria-label': t('openRoomLabel', { name: title }) }, t('openRoom'));
    open.addEventListener('click', (ev) => {
      ev.preventDefault();
      navigate('/' + room.code);
    });
    const copy = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': t('copyRoomLinkLabel', { name: title }) }, icon('link'), t('copyRoomLink'));
    copy.addEventListener('click', async () => announce((await copyText(roomLink(room))) ? t('linkCopied') : t('copyFailed', { url: roomLink(room) })));
    const access = t(`access_${room.access}` as Key);
    return h(
      'li',
      { class: 'room-item' },
      h('div', { class: 'room-text' }, h('span', { class: 'room-title' }, title), h('span', { class: 'muted room-meta' }, `${room.code} · ${t('roomAccess', { access })}`)),
      h('div', { class: 'room-actions' }, open, copy),
    );
  };

  const paint = () => {
    setText(heading, t('myRooms'));
    setAttr(list, 'data-user', user.id);
    if (failed) setText(status, t('myRoomsFailed'));
    else if (rooms === null) setText(status, t('loading'));
    else setText(status, rooms.length === 0 ? t('myRoomsEmpty') : '');
    status.hidden = status.textContent === '';
    list.replaceChildren(...(rooms ?? []).map(row));
  };
  myRooms().then(
    (r) => {
      rooms = r;
      paint();
    },
    (err: unknown) => {
      console.warn('visio: my rooms', err);
      failed = true;
      paint();
    },
  );
  return { el: h('section', { class: 'card' }, heading, status, list), paint };
}
