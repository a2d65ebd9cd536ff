// The kept chats on the transcripts page: for each room the user owns or administers, the
// messages kept because a moderator chose to keep the meeting's chat (GET
// /api/v1/rooms/{code}/chat). Text is shown as text, links only for http(s) addresses.

import { h, setText } from '../dom';
import { lang, t } from '../i18n';
import { linkify } from '../meeting/linkify';
import { myRooms } from '../rooms';

interface KeptMessage {
  id: string;
  from: string;
  text: string;
  sent_at: string;
}

interface KeptChat {
  room: string;
  messages: KeptMessage[];
}

async function load(only: string | null): Promise<KeptChat[]> {
  const rooms = (await myRooms().catch(() => [])).filter((r) => (r.role === 'owner' || r.role === 'administrator') && (!only || r.code === only));
  const out: KeptChat[] = [];
  for (const r of rooms) {
    const res = await fetch(`/api/v1/rooms/${encodeURIComponent(r.code)}/chat`, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const chat = (await res.json()) as KeptChat;
    if (chat.messages.length > 0) out.push(chat);
  }
  return out;
}

/** The section, filled once loaded; paint() again on a language change. */
export function keptChatsSection(only: string | null): { el: HTMLElement; paint(): void } {
  const heading = h('h2', { id: 'kept-chats-heading' });
  const intro = h('p', { class: 'muted' });
  const status = h('p', { role: 'status' });
  const list = h('div', { class: 'kept-chats' });
  let chats: KeptChat[] | null = null;
  let failed = false;

  const when = (iso: string) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang() === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
  };
  const paint = () => {
    setText(heading, t('keptChatsTitle'));
    setText(intro, t('keptChatsIntro'));
    setText(status, failed ? t('keptChatsFailed') : chats === null ? t('loading') : chats.length === 0 ? t('keptChatsEmpty') : '');
    list.replaceChildren(
      ...(chats ?? []).map((c) =>
        h(
          'details',
          { class: 'card kept-chat' },
          h('summary', {}, t('keptChatRoom', { room: c.room, n: c.messages.length })),
          h('ol', { class: 'chat-list' }, ...c.messages.map((m) => h('li', { class: 'chat-message' }, h('p', { class: 'chat-head' }, h('span', { class: 'chat-from' }, m.from), ' ', h('time', { datetime: m.sent_at }, when(m.sent_at))), h('p', { class: 'chat-text' }, ...linkify(m.text))))),
        ),
      ),
    );
  };
  load(only).then(
    (c) => {
      chats = c;
      paint();
    },
    () => {
      failed = true;
      paint();
    },
  );
  paint();
  return { el: h('section', { class: 'kept-chats-section', 'aria-labelledby': 'kept-chats-heading' }, heading, intro, status, list), paint };
}
