// Home page: create a meeting (signed in) or the invitation to sign in, my meetings, and join
// with a code or link (everyone).

import { parseCode } from '../api';
import { me } from '../auth';
import { h, setText } from '../dom';
import { onLangChange, t } from '../i18n';
import { focusHeading, navigate } from '../shell';
import { netTestLink } from './nettest';
import { myRoomsCard, newRoomCard, signInCard, type HomePart } from './myrooms';

export function renderHome(main: HTMLElement): () => void {
  const heading = h('h1');
  const tagline = h('p', { class: 'lead' });
  const netTest = netTestLink(false);
  const intro = h('section', { class: 'home-intro' }, heading, tagline, netTest.el);

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
  const joinCard = h('section', { class: 'card' }, form);
  const home = h('div', { class: 'home' }, intro, joinCard);
  let parts: HomePart[] = [];

  const paint = () => {
    setText(heading, t('productName'));
    setText(tagline, t('tagline'));
    netTest.paint();
    setText(joinHeading, t('joinWithCode'));
    setText(codeLabel, t('joinCodeLabel'));
    codeInput.placeholder = t('joinCodePlaceholder');
    setText(codeButton, t('joinCodeButton'));
    if (codeError.textContent) setText(codeError, t('invalidCode'));
    for (const p of parts) p.paint();
  };

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

  let gone = false;
  void me().then((user) => {
    if (gone) return;
    // Signed in: create, then my meetings below the join card. Signed out: the invitation first.
    parts = user ? [newRoomCard(), myRoomsCard(user)] : [signInCard()];
    home.insertBefore(parts[0]!.el, joinCard);
    if (parts[1]) home.append(parts[1].el);
    document.body.dataset.home = user ? 'signed-in' : 'signed-out';
    paint();
  });

  paint();
  main.replaceChildren(home);
  document.title = t('productName');
  focusHeading(main);
  const offLang = onLangChange(paint);
  return () => {
    gone = true;
    offLang();
    delete document.body.dataset.home;
  };
}
