// Entry point: routes "/" to the home page and "/{code}" to a meeting.

import './styles.css';
import './access.css';
import './everyday.css';
import { codePattern } from './api';
import { mountShell, setRouter } from './shell';
import { renderHome } from './views/home';
import { renderMessage } from './views/message';
import { renderMeetingFlow } from './views/flow';
import { renderTranscripts } from './views/transcripts';
import { renderRecordings } from './views/recordings';
import { mountAccount } from './views/account';
import { renderNetTest } from './views/nettest';

const main = mountShell(document.getElementById('app') ?? document.body);
mountAccount(document.getElementById('account') ?? document.createElement('div'));
let cleanup: (() => void) | null = null;

function route(path: string): void {
  cleanup?.();
  cleanup = null;
  const code = decodeURIComponent(path.replace(/^\/+|\/+$/g, ''));
  if (code === '') {
    document.body.dataset.view = 'home';
    cleanup = renderHome(main);
  } else if (code === 'transcripts') {
    document.body.dataset.view = 'transcripts';
    cleanup = renderTranscripts(main);
  } else if (code === 'recordings') {
    document.body.dataset.view = 'recordings';
    cleanup = renderRecordings(main);
  } else if (code === 'connection-test') {
    document.body.dataset.view = 'nettest';
    cleanup = renderNetTest(main);
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
