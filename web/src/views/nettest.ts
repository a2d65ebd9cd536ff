// Connection test page (/connection-test): can this browser reach the media server over UDP,
// TCP and the relay (UDP, TCP, TLS), how long is the round trip, do the camera and microphone
// work; and a plain-text result to send to IT support.

import { h, setAttr, setText } from '../dom';
import { onLangChange, t, type Key } from '../i18n';
import { checkDevice, fetchTestServers, netChecks, runNetCheck, type NetCheckId, type NetResult } from '../rtc/nettest';
import { announce, focusHeading, navigate } from '../shell';

type RowId = NetCheckId | 'camera' | 'microphone';
type RowState = { kind: 'pending' } | { kind: 'checking' } | { kind: 'net'; r: NetResult } | { kind: 'device'; ok: boolean; detail: string };

const rowIds: readonly RowId[] = [...netChecks, 'camera', 'microphone'];

export function renderNetTest(main: HTMLElement): () => void {
  const heading = h('h1');
  const intro = h('p', { class: 'lead' });
  const start = h('button', { type: 'button', class: 'btn btn-primary' });
  const list = h('dl', { class: 'nettest-results' });
  const verdict = h('p', { class: 'notice nettest-verdict', hidden: true });
  const reportLabel = h('label', { for: 'nettest-report' });
  const report = h('textarea', { id: 'nettest-report', class: 'nettest-report', readonly: true, rows: '10', spellcheck: 'false' });
  const copy = h('button', { type: 'button', class: 'btn btn-secondary' });
  const copyStatus = h('p', { class: 'muted', role: 'status' });
  const reportBox = h('div', { class: 'nettest-report-box', hidden: true }, reportLabel, report, h('div', { class: 'row' }, copy), copyStatus);
  const home = h('a', { href: '/', class: 'btn btn-secondary' });
  home.addEventListener('click', (ev) => {
    ev.preventDefault();
    navigate('/');
  });

  const states = new Map<RowId, RowState>(rowIds.map((id) => [id, { kind: 'pending' }]));
  const rows = new Map<RowId, { dt: HTMLElement; dd: HTMLElement }>();
  for (const id of rowIds) {
    const dt = h('dt');
    const dd = h('dd', { 'data-check': id });
    rows.set(id, { dt, dd });
    list.append(dt, dd);
  }
  let running = false;
  let finished = false;
  let gone = false;

  const rowText = (s: RowState): string => {
    switch (s.kind) {
      case 'pending':
        return t('netPending');
      case 'checking':
        return t('netChecking');
      case 'net':
        if (s.r.state === 'skipped') return t('netSkipped');
        if (s.r.state === 'failed') return t('netFailed');
        return s.r.rttMs !== null ? t('netOkRtt', { rtt: s.r.rttMs }) : t('netOk');
      case 'device':
        if (s.ok) return t('netDeviceOk', { label: s.detail });
        return t(s.detail === 'missing' ? 'netDeviceMissing' : 'netDeviceDenied');
    }
  };
  const outcome = (s: RowState): 'ok' | 'failed' | 'skipped' | '' =>
    s.kind === 'net' ? s.r.state : s.kind === 'device' ? (s.ok ? 'ok' : 'failed') : '';

  const counts = () => {
    let ok = 0;
    let n = 0;
    for (const s of states.values()) {
      const o = outcome(s);
      if (o === 'ok' || o === 'failed') n++;
      if (o === 'ok') ok++;
    }
    return { ok, n };
  };

  const verdictKey = (): Key => {
    const ok = (id: NetCheckId) => outcome(states.get(id) ?? { kind: 'pending' }) === 'ok';
    if (ok('udp') || ok('tcp')) return 'netTestVerdictOk';
    if (ok('turn-udp') || ok('turn-tcp') || ok('turn-tls')) return 'netTestVerdictRelay';
    return 'netTestVerdictNone';
  };

  const reportText = (): string => {
    const lines = [
      `${t('netTestTitle')} — ${new Date().toISOString()}`,
      `${location.origin}`,
      navigator.userAgent,
      '',
    ];
    for (const id of rowIds) {
      const s = states.get(id) ?? { kind: 'pending' };
      const via = s.kind === 'net' && s.r.via ? ` [${s.r.via}]` : '';
      lines.push(`${t(`netCheck_${id}` as Key)}: ${rowText(s)}${via}`);
    }
    lines.push('', t(verdictKey()));
    return lines.join('\n');
  };

  const paint = () => {
    setText(heading, t('netTestTitle'));
    setText(intro, t('netTestIntro'));
    setText(start, running ? t('netTestRunning') : finished ? t('netTestAgain') : t('netTestStart'));
    setAttr(start, 'aria-disabled', running ? 'true' : null);
    setAttr(list, 'aria-label', t('netTestResultsLabel'));
    for (const id of rowIds) {
      const row = rows.get(id);
      const s = states.get(id) ?? { kind: 'pending' };
      if (!row) continue;
      setText(row.dt, t(`netCheck_${id}` as Key));
      setText(row.dd, rowText(s));
      row.dd.dataset.state = outcome(s) || s.kind;
    }
    setText(home, t('homeLink'));
    setText(reportLabel, t('netReportLabel'));
    setText(copy, t('netCopy'));
    verdict.hidden = !finished;
    reportBox.hidden = !finished;
    if (finished) {
      setText(verdict, t(verdictKey()));
      verdict.dataset.verdict = verdictKey();
      report.value = reportText();
    }
  };

  const run = async () => {
    if (running) return;
    running = true;
    finished = false;
    for (const id of rowIds) states.set(id, { kind: 'pending' });
    paint();
    announce(t('netTestRunning'));
    let servers: RTCIceServer[] = [];
    try {
      servers = await fetchTestServers();
    } catch (err) {
      console.warn('visio: connection test servers', err);
    }
    for (const id of netChecks) {
      if (gone) return;
      states.set(id, { kind: 'checking' });
      paint();
      states.set(id, { kind: 'net', r: await runNetCheck(id, servers) });
      paint();
    }
    for (const id of ['camera', 'microphone'] as const) {
      if (gone) return;
      states.set(id, { kind: 'checking' });
      paint();
      const d = await checkDevice(id);
      states.set(id, { kind: 'device', ok: d.ok, detail: d.detail });
      paint();
    }
    running = false;
    finished = true;
    paint();
    const { ok, n } = counts();
    announce(`${t('netTestDone', { ok, n })} ${t(verdictKey())}`);
  };

  start.addEventListener('click', () => void run());
  copy.addEventListener('click', () => {
    const done = (ok: boolean) => setText(copyStatus, t(ok ? 'netCopied' : 'netCopyFailed'));
    if (navigator.clipboard?.writeText) {
      navigator.clipboard.writeText(report.value).then(() => done(true), () => {
        report.select();
        done(false);
      });
    } else {
      report.select();
      done(false);
    }
  });

  paint();
  main.replaceChildren(
    h('div', { class: 'nettest' }, h('section', { class: 'card' }, heading, intro, h('div', { class: 'actions' }, start, home), list, verdict, reportBox)),
  );
  document.title = `${t('netTestTitle')} — ${t('productName')}`;
  focusHeading(main);
  const offLang = onLangChange(() => {
    paint();
    document.title = `${t('netTestTitle')} — ${t('productName')}`;
  });
  return () => {
    gone = true;
    offLang();
  };
}

/** A link to the connection test: in the app (home page), or in a new tab (pre-join screen). */
export function netTestLink(newTab: boolean): { el: HTMLAnchorElement; paint(): void } {
  const el = h('a', { href: '/connection-test', class: 'nettest-link', ...(newTab ? { target: '_blank', rel: 'noopener' } : {}) });
  const label = h('span');
  const note = h('span', { class: 'sr-only' });
  el.append(label);
  if (newTab) el.append(' ', note);
  if (!newTab) {
    el.addEventListener('click', (ev) => {
      ev.preventDefault();
      navigate('/connection-test');
    });
  }
  return {
    el,
    paint() {
      setText(label, t('netTestLink'));
      setText(note, t('newTab'));
      setAttr(el, 'title', t('netTestLinkHint'));
    },
  };
}
