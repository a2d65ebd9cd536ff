// The transcripts page (/transcripts): every meeting transcript the user may read, with its
// speakers and downloads in each format (JSON, WebVTT, SRT, minutes in Markdown and HTML).

import './transcripts.css';
import { h, setText } from '../dom';
import { lang, onLangChange, t, type Key } from '../i18n';
import { focusHeading } from '../shell';
import '../meeting/chat.css';
import { keptChatsSection } from './kept-chats';

interface Speaker {
  id: string;
  name: string;
}

interface TranscriptMeta {
  id: string;
  room: string;
  started_at: string;
  ended_at?: string;
  live: boolean;
  recognizer: string;
  language: string;
  speakers: Speaker[];
  segments: number;
  expires_at: string;
}

interface TranscriptList {
  transcripts: TranscriptMeta[];
  formats: string[];
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang() === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short' });
}

function url(id: string, format: string, download: boolean): string {
  return `/api/v1/transcripts/${encodeURIComponent(id)}?format=${format}${download ? '&download=1' : ''}`;
}

export function renderTranscripts(main: HTMLElement): () => void {
  const heading = h('h1');
  const intro = h('p', { class: 'lead' });
  const list = h('ul', { class: 'transcripts', 'aria-busy': 'true' });
  const status = h('p', { role: 'status' });
  let data: TranscriptList | null = null;
  let failed = false;

  const item = (m: TranscriptMeta): HTMLElement => {
    const title = t('transcriptMeeting', { room: m.room });
    const names = m.speakers.map((s) => s.name).join(', ');
    const downloads = h(
      'ul',
      { class: 'transcript-downloads', 'aria-label': t('transcriptDownloads') },
      ...(data?.formats ?? []).map((f) => {
        const label = t(`transcriptFormat_${f}` as Key);
        return h('li', {}, h('a', { href: url(m.id, f, true), download: '', 'aria-label': t('transcriptDownloadLabel', { room: m.room, format: label }) }, label));
      }),
    );
    return h(
      'li',
      { class: 'card transcript', 'data-id': m.id },
      h('h2', {}, title, m.live ? ` (${t('transcriptLive')})` : ''),
      h('p', { class: 'muted' }, t('transcriptWhen', { date: formatDate(m.started_at) })),
      names ? h('p', {}, t('transcriptSpeakers', { names })) : null,
      h('p', { class: 'muted' }, t('transcriptSegments', { n: m.segments }), ' · ', t('transcriptRecognizer', { name: m.recognizer })),
      h('p', { class: 'muted' }, t('transcriptExpires', { date: formatDate(m.expires_at) })),
      h('p', {}, h('a', { href: url(m.id, 'html', false), target: '_blank', rel: 'noopener', 'aria-label': t('transcriptViewLabel', { room: m.room }) }, t('transcriptView'))),
      h('p', { class: 'muted' }, t('transcriptDownloads'), ' :'),
      downloads,
    );
  };

  const paint = () => {
    setText(heading, t('transcriptsTitle'));
    setText(intro, t('transcriptsIntro'));
    document.title = `${t('transcriptsTitle')} · ${t('productName')}`;
    if (failed) {
      setText(status, t('transcriptsFailed'));
      list.replaceChildren();
      return;
    }
    if (!data) {
      setText(status, t('loading'));
      return;
    }
    list.setAttribute('aria-busy', 'false');
    setText(status, data.transcripts.length === 0 ? t('transcriptsEmpty') : '');
    list.replaceChildren(...data.transcripts.map(item));
  };

  const room = new URLSearchParams(location.search).get('room');
  fetch(`/api/v1/transcripts${room ? `?room=${encodeURIComponent(room)}` : ''}`, { headers: { Accept: 'application/json' } })
    .then(async (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      data = (await res.json()) as TranscriptList;
    })
    .catch(() => {
      failed = true;
    })
    .finally(paint);

  const kept = keptChatsSection(room);
  main.replaceChildren(h('section', { class: 'transcripts-page' }, heading, intro, status, list, kept.el));
  paint();
  focusHeading(main);
  return onLangChange(() => {
    paint();
    kept.paint();
  });
}
