// Entry point: routes "/" to the home page and "/{code}" to a meeting.

import './styles.css';
import { codePattern } from './api';
import { mountShell, setRouter } from './shell';
import { renderHome } from './views/home';
import { renderMessage } from './views/message';
import { renderMeetingFlow } from './views/flow';

const main = mountShell(document.getElementById('app') ?? document.body);
let cleanup: (() => void) | null = null;

function route(path: string): void {
  cleanup?.();
  cleanup = null;
  const code = decodeURIComponent(path.replace(/^\/+|\/+$/g, ''));
  if (code === '') {
    document.body.dataset.view = 'home';
    cleanup = renderHome(main);
  } else if (codePattern.test(code)) {
    cleanup = renderMeetingFlow(main, code);
  } else {
    document.body.dataset.view = 'message';
    cleanup = renderMessage(main, { kind: 'notFound', code });
  }
}

setRouter(route);
window.addEventListener('popstate', () => route(location.pathname));
route(location.pathname);
