// Simple full-page messages: unknown meeting, unreachable server, meeting left.

import { h, setText } from '../dom';
import { onLangChange, t } from '../i18n';
import { focusHeading, navigate } from '../shell';

export type Message =
  | { kind: 'notFound'; code: string }
  | { kind: 'unreachable'; retry: () => void }
  | { kind: 'left'; rejoin: () => void };

export function renderMessage(main: HTMLElement, msg: Message): () => void {
  const heading = h('h1');
  const body = h('p');
  const home = h('a', { href: '/', class: 'btn btn-secondary' });
  home.addEventListener('click', (ev) => {
    ev.preventDefault();
    navigate('/');
  });
  const actions = h('div', { class: 'actions' });
  let action: HTMLButtonElement | null = null;
  if (msg.kind === 'unreachable') action = h('button', { type: 'button', class: 'btn btn-primary', onclick: () => msg.retry() });
  if (msg.kind === 'left') action = h('button', { type: 'button', class: 'btn btn-primary', onclick: () => msg.rejoin() });
  if (action) actions.append(action);
  actions.append(home);

  const paint = () => {
    setText(home, t('homeLink'));
    switch (msg.kind) {
      case 'notFound':
        setText(heading, t('notFoundTitle'));
        setText(body, t('notFoundBody', { code: msg.code }));
        break;
      case 'unreachable':
        setText(heading, t('connectionFailed', { reason: t('reasonUnreachable') }));
        setText(body, t('roomCheckFailed'));
        if (action) setText(action, t('retry'));
        break;
      case 'left':
        setText(heading, t('leftTitle'));
        body.textContent = '';
        if (action) setText(action, t('rejoin'));
        break;
    }
    document.title = `${heading.textContent ?? ''} · ${t('productName')}`;
  };
  paint();
  main.replaceChildren(h('section', { class: 'card message' }, heading, body, actions));
  focusHeading(main);
  return onLangChange(paint);
}
