// The recordings page (/recordings): the recorded meetings of the rooms the user owns or
// administers, each playable in the page (with the transcript as a captions track when the
// meeting was transcribed), downloadable and deletable.

import './recordings.css';
import { h, setText } from '../dom';
import { lang, onLangChange, t, type Key } from '../i18n';
import { ConfirmDialog } from '../meeting/confirm';
import { announce, focusHeading } from '../shell';

interface Recording {
  id: string;
  room: string;
  status: 'recording' | 'composing' | 'ready' | 'tracks_only' | 'failed';
  audio_only: boolean;
  started_by: string;
  started_at: string;
  ended_at?: string;
  duration_ms: number;
  size: number;
  content_type?: string;
  expires_at: string;
  error?: string;
  file_url?: string;
  captions_url?: string;
  tracks_url?: string;
}

interface TrackFile {
  participant: string;
  name: string;
  source: string;
  kind: 'audio' | 'video';
  offset_ms: number;
  end_ms?: number;
  content_type: string;
  url: string;
}

interface TrackList {
  tracks: TrackFile[];
  manifest_url: string;
}

interface RecordingList {
  recordings: Recording[];
  composition: boolean;
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang() === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short' });
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return hh > 0 ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

function formatSize(bytes: number): string {
  const fmt = new Intl.NumberFormat(lang() === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 1 });
  if (bytes >= 1 << 30) return `${fmt.format(bytes / (1 << 30))} Gio`.replace('Gio', lang() === 'fr' ? 'Gio' : 'GiB');
  if (bytes >= 1 << 20) return `${fmt.format(bytes / (1 << 20))} ${lang() === 'fr' ? 'Mio' : 'MiB'}`;
  return `${fmt.format(bytes / 1024)} ${lang() === 'fr' ? 'Kio' : 'KiB'}`;
}

export function renderRecordings(main: HTMLElement): () => void {
  const heading = h('h1');
  const intro = h('p', { class: 'lead' });
  const notice = h('p', { class: 'card rec-notice', role: 'note', hidden: true });
  const list = h('ul', { class: 'recordings', 'aria-busy': 'true' });
  const status = h('p', { role: 'status' });
  const empty = h('p', { class: 'muted', hidden: true });
  const confirm = new ConfirmDialog();
  let data: RecordingList | null = null;
  let failed = false;
  const playing = new Set<string>(); // recordings whose player is open
  const tracksOpen = new Set<string>(); // recordings whose per-track files are shown
  const trackLists = new Map<string, TrackList | 'failed'>();

  const toggleTracks = (r: Recording) => {
    if (tracksOpen.has(r.id)) {
      tracksOpen.delete(r.id);
      paint();
      return;
    }
    tracksOpen.add(r.id);
    paint();
    if (trackLists.has(r.id) || !r.tracks_url) return;
    fetch(r.tracks_url, { headers: { Accept: 'application/json' } })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        trackLists.set(r.id, (await res.json()) as TrackList);
      })
      .catch(() => trackLists.set(r.id, 'failed'))
      .finally(paint);
  };

  const trackFiles = (r: Recording): HTMLElement => {
    const l = trackLists.get(r.id);
    if (!l) return h('p', { class: 'muted', role: 'status' }, t('loading'));
    if (l === 'failed') return h('p', { role: 'status' }, t('recordingTracksFailed'));
    const items = l.tracks.map((tr) => {
      const name = t('recordingTrack', {
        source: ['microphone', 'camera', 'screen', 'screen_audio'].includes(tr.source) ? t(`recordingSource_${tr.source}` as Key) : tr.source,
        name: tr.name || '—',
        from: formatDuration(tr.offset_ms),
        to: tr.end_ms ? formatDuration(tr.end_ms) : '…',
      });
      return h('li', {}, h('a', { href: `${tr.url}?download`, download: '', 'aria-label': t('recordingTrackDownloadLabel', { track: name }) }, name), ` (${tr.kind === 'video' ? 'WebM' : 'Ogg/Opus'})`);
    });
    items.push(h('li', {}, h('a', { href: `${l.manifest_url}?download`, download: '' }, t('recordingManifest'))));
    return h('ul', { class: 'rec-tracks', 'aria-label': t('recordingTracksLabel', { room: r.room, date: formatDate(r.started_at) }) }, ...items);
  };

  const remove = (r: Recording, when: string) => {
    confirm.ask(t('recordingDeleteConfirm', { room: r.room, date: when }), t('recordingDelete'), () => {
      fetch(`/api/v1/recordings/${encodeURIComponent(r.id)}`, { method: 'DELETE' })
        .then((res) => {
          if (!res.ok && res.status !== 404) throw new Error(`HTTP ${res.status}`);
          if (data) data.recordings = data.recordings.filter((x) => x.id !== r.id);
          playing.delete(r.id);
          paint();
          announce(t('recordingDeleted'));
          setText(status, t('recordingDeleted'));
          heading.focus();
        })
        .catch(() => setText(status, t('recordingDeleteFailed')));
    });
  };

  const player = (r: Recording): HTMLElement => {
    const label = t('recordingPlayerLabel', { room: r.room });
    const media = r.audio_only ? h('audio', { controls: true, preload: 'metadata', 'aria-label': label, src: r.file_url ?? '' }) : h('video', { controls: true, preload: 'metadata', 'aria-label': label, class: 'rec-video', src: r.file_url ?? '' });
    if (r.captions_url) {
      media.append(h('track', { kind: 'captions', src: r.captions_url, srclang: lang(), label: t('recordingCaptions'), default: true }));
    }
    return media;
  };

  const item = (r: Recording): HTMLElement => {
    const when = formatDate(r.started_at);
    const details = [t('recordingDuration', { duration: formatDuration(r.duration_ms) })];
    if (r.size > 0) details.push(t('recordingSize', { size: formatSize(r.size) }));
    if (r.audio_only) details.push(t('recordingAudioOnly'));
    const actions = h('div', { class: 'actions' });
    if (r.status === 'ready' && r.file_url) {
      const open = playing.has(r.id);
      actions.append(
        h('button', { type: 'button', class: 'btn btn-primary', 'aria-expanded': String(open), 'aria-label': t('recordingPlayLabel', { room: r.room, date: when }), onclick: () => {
          if (open) playing.delete(r.id);
          else playing.add(r.id);
          paint();
        } }, t('recordingPlay')),
        h('a', { class: 'btn btn-secondary', href: `${r.file_url}?download`, download: '', 'aria-label': t('recordingDownloadLabel', { room: r.room, date: when }) }, t('recordingDownload')),
      );
    }
    if (r.status === 'tracks_only' && r.tracks_url) {
      actions.append(
        h('button', { type: 'button', class: 'btn btn-secondary', 'aria-expanded': String(tracksOpen.has(r.id)), 'aria-label': t('recordingTracksLabel', { room: r.room, date: when }), onclick: () => toggleTracks(r) }, t('recordingTracks')),
      );
    }
    if (r.status !== 'recording') {
      actions.append(h('button', { type: 'button', class: 'btn btn-danger', 'aria-label': t('recordingDeleteLabel', { room: r.room, date: when }), onclick: () => remove(r, when) }, t('recordingDelete')));
    }
    return h(
      'li',
      { class: 'card recording', 'data-id': r.id },
      h('h2', {}, t('recordingMeeting', { room: r.room })),
      h('p', { class: 'muted' }, t('recordingWhen', { date: when, name: r.started_by || '—' })),
      h('p', { class: `rec-status rec-status-${r.status}` }, t(`recordingStatus_${r.status}` as Key), r.error && r.status !== 'tracks_only' ? ` — ${r.error}` : ''),
      h('p', { class: 'muted' }, details.join(' · ')),
      h('p', { class: 'muted' }, t('recordingExpires', { date: formatDate(r.expires_at) })),
      playing.has(r.id) && r.file_url ? player(r) : null,
      tracksOpen.has(r.id) ? trackFiles(r) : null,
      actions,
    );
  };

  const paint = () => {
    setText(heading, t('recordingsTitle'));
    setText(intro, t('recordingsIntro'));
    document.title = `${t('recordingsTitle')} · ${t('productName')}`;
    if (failed) {
      setText(status, t('recordingsFailed'));
      list.replaceChildren();
      return;
    }
    if (!data) {
      setText(status, t('loading'));
      return;
    }
    notice.hidden = data.composition;
    setText(notice, t('recordingsNoComposition'));
    list.setAttribute('aria-busy', 'false');
    if (status.textContent === t('loading')) setText(status, '');
    empty.hidden = data.recordings.length > 0;
    setText(empty, t('recordingsEmpty'));
    // Keep a playing player as it is: re-rendering would stop it.
    const keep = new Map<string, Element>();
    for (const li of list.querySelectorAll<HTMLElement>('li.recording')) {
      const m = li.querySelector('video, audio');
      if (m && li.dataset.id && playing.has(li.dataset.id)) keep.set(li.dataset.id, m);
    }
    list.replaceChildren(
      ...data.recordings.map((r) => {
        const li = item(r);
        const old = keep.get(r.id);
        const fresh = li.querySelector('video, audio');
        if (old && fresh) fresh.replaceWith(old);
        return li;
      }),
    );
  };

  heading.tabIndex = -1;
  const room = new URLSearchParams(location.search).get('room');
  fetch(`/api/v1/recordings${room ? `?room=${encodeURIComponent(room)}` : ''}`, { headers: { Accept: 'application/json' } })
    .then(async (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      data = (await res.json()) as RecordingList;
    })
    .catch(() => {
      failed = true;
    })
    .finally(paint);

  main.replaceChildren(h('section', { class: 'recordings-page' }, heading, intro, notice, status, empty, list), confirm.el);
  paint();
  focusHeading(main);
  const offLang = onLangChange(paint);
  return () => {
    offLang();
    confirm.close();
  };
}
