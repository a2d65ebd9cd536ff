// Home page: create a meeting, or join one with a code or link.

import { createRoom, parseCode } from '../api';
import { h, setText } from '../dom';
import { onLangChange, t } from '../i18n';
import { focusHeading, navigate } from '../shell';

export function renderHome(main: HTMLElement): () => void {
  const heading = h('h1');
  const tagline = h('p', { class: 'lead' });
  const createButton = h('button', { type: 'button', class: 'btn btn-primary btn-large' });
  const createStatus = h('p', { class: 'form-error', role: 'alert' });

  const codeLabel = h('label', { for: 'join-code' });
  const codeInput = h('input', {
    id: 'join-code',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'none',
    'aria-describedby': 'join-code-error',
  });
  const codeError = h('p', { class: 'form-error', id: 'join-code-error', role: 'alert' });
  const codeButton = h('button', { type: 'submit', class: 'btn btn-secondary' });
  const joinHeading = h('h2');
  const form = h('form', { class: 'join-form', novalidate: true }, joinHeading, codeLabel, h('div', { class: 'row' }, codeInput, codeButton), codeError);

  let busy = false;
  const paint = () => {
    setText(heading, t('productName'));
    setText(tagline, t('tagline'));
    setText(createButton, busy ? t('creatingMeeting') : t('newMeeting'));
    setText(joinHeading, t('joinWithCode'));
    setText(codeLabel, t('joinCodeLabel'));
    codeInput.placeholder = t('joinCodePlaceholder');
    setText(codeButton, t('joinCodeButton'));
    if (codeError.textContent) setText(codeError, t('invalidCode'));
    if (createStatus.textContent) setText(createStatus, t('createFailed'));
  };

  createButton.addEventListener('click', async () => {
    if (busy) return;
    busy = true;
    createButton.setAttribute('aria-busy', 'true');
    setText(createStatus, '');
    paint();
    try {
      const room = await createRoom();
      navigate('/' + room.code);
    } catch (err) {
      console.warn('visio: create room', err);
      setText(createStatus, t('createFailed'));
      busy = false;
      createButton.removeAttribute('aria-busy');
      paint();
    }
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = parseCode(codeInput.value);
    if (!code) {
      setText(codeError, t('invalidCode'));
      codeInput.setAttribute('aria-invalid', 'true');
      codeInput.focus();
      return;
    }
    navigate('/' + code);
  });
  codeInput.addEventListener('input', () => {
    setText(codeError, '');
    codeInput.removeAttribute('aria-invalid');
  });

  paint();
  main.replaceChildren(
    h('div', { class: 'home' }, h('section', { class: 'card hero' }, heading, tagline, createButton, createStatus), h('section', { class: 'card' }, form)),
  );
  document.title = t('productName');
  focusHeading(main);
  return onLangChange(paint);
}
