// The meeting's chat: the toolbar toggle with its unread badge, the panel beside the stage with
// the messages (sender, time, private ones marked for both ends), the recipient choice and the
// composer. Messages from others are announced politely to screen readers. Text is shown as
// text: linkify.ts makes links of http(s) addresses and nothing else.

import './chat.css';
import { h, setAttr, setText } from '../dom';
import { errorText, lang, t } from '../i18n';
import { chatMaxChars, type ChatMessage, type ChatState } from '../rtc/chat';
import type { ClientMessage, Participant, ServerMessage } from '../rtc/protocol';
import { linkify } from './linkify';

export interface ChatDeps {
  send(m: ClientMessage): void;
  selfId(): string;
  /** The other participants, for the recipient choice. */
  participants(): Iterable<Participant>;
  /** Called when the panel opens (to close other side panels). */
  opened(): void;
  /** The toolbar: side panels end above it, however many rows it takes. */
  toolbar(): HTMLElement;
  /** Whether we moderate: moderators choose to keep the chat. */
  canModerate(): boolean;
  notify(text: string): void;
}

const chatIcon = (): SVGSVGElement => {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H9l-5 4v-4H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  return svg;
};

export class ChatUI {
  readonly button: HTMLButtonElement;
  readonly panel: HTMLElement;
  /** A polite live region outside the panel: messages are announced with the panel closed. */
  readonly live = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true', id: 'chat-live' });
  private messages: ChatMessage[] = [];
  private unread = 0;
  private pending = '';
  private readonly label = h('span', { class: 'control-label' });
  private readonly badge = h('span', { class: 'chat-badge', 'aria-hidden': 'true', hidden: true });
  private readonly heading = h('h2', { id: 'chat-heading' });
  private readonly closeButton = h('button', { type: 'button', class: 'btn-icon panel-close' }, '×');
  private readonly list = h('ol', { class: 'chat-list', tabindex: '0' });
  private readonly empty = h('p', { class: 'chat-empty muted' });
  private readonly toLabel = h('label', { for: 'chat-to' });
  private readonly to = h('select', { id: 'chat-to' });
  private readonly note = h('p', { class: 'chat-note muted', id: 'chat-note' });
  private readonly inputLabel = h('label', { for: 'chat-input', class: 'sr-only' });
  private readonly input = h('textarea', { id: 'chat-input', rows: '2', 'aria-describedby': 'chat-note chat-error' });
  private readonly sendButton = h('button', { type: 'submit', class: 'btn btn-primary btn-small' });
  private readonly error = h('p', { class: 'chat-error', id: 'chat-error', role: 'alert' });
  private readonly timeFormat = new Map<string, Intl.DateTimeFormat>();
  private listLang = '';
  /** The reader scrolled up: new messages do not pull the list down. */
  private scrolledUp = false;
  private state: ChatState = { kept: false, available: false };
  private pendingKeep: boolean | null = null;
  private readonly keepBox = h('input', { type: 'checkbox', id: 'chat-keep', 'aria-describedby': 'chat-keep-help' });
  private readonly keepLabel = h('label', { for: 'chat-keep' });
  private readonly keepHelp = h('p', { class: 'muted chat-keep-help', id: 'chat-keep-help' });
  private readonly keep = h('div', { class: 'chat-keep', hidden: true }, h('div', { class: 'chat-keep-row' }, this.keepBox, this.keepLabel), this.keepHelp);
  private readonly keptNotice = h('p', { class: 'chat-kept', hidden: true });

  constructor(private readonly d: ChatDeps) {
    this.button = h('button', { type: 'button', class: 'control control-chat', 'aria-expanded': 'false', 'aria-controls': 'chat-panel', onclick: () => this.toggle() }, chatIcon(), this.label, this.badge);
    const form = h('form', { class: 'chat-form' }, h('div', { class: 'chat-to' }, this.toLabel, this.to), this.inputLabel, h('div', { class: 'chat-compose' }, this.input, this.sendButton), this.error, this.note);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => setText(this.error, ''));
    this.list.addEventListener('scroll', () => {
      this.scrolledUp = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight > 40;
    });
    this.to.addEventListener('change', () => this.paint());
    this.keepBox.addEventListener('change', () => {
      this.pendingKeep = this.keepBox.checked; // shown so until the server answers
      this.d.send({ type: 'chat_keep', keep: this.keepBox.checked });
    });
    this.closeButton.addEventListener('click', () => this.setOpen(false));
    this.panel = h(
      'section',
      { class: 'side-panel chat-panel', id: 'chat-panel', 'aria-labelledby': 'chat-heading', hidden: true },
      h('div', { class: 'panel-header' }, this.heading, this.closeButton),
      this.keep,
      this.keptNotice,
      h('div', { class: 'chat-body' }, this.empty, this.list),
      form,
    );
    this.panel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.setOpen(false);
    });
    this.paint();
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  toggle(): void {
    this.setOpen(!this.isOpen);
  }

  /** Opens or closes the panel; closing gives the focus back to the toggle if focus. */
  setOpen(open: boolean, focus = true): void {
    if (open === this.isOpen) return;
    this.panel.hidden = !open;
    if (open) {
      this.unread = 0;
      this.d.opened();
      this.paint();
      this.scrollDown();
      this.input.focus();
    } else {
      this.paint();
      if (focus) this.button.focus();
    }
  }

  onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome': {
        // The welcome's history replaces the list: after a reconnection it holds what was said
        // meanwhile, and nothing twice.
        const known = new Set(this.messages.map((x) => x.id));
        const history = m.chat ?? [];
        this.state = m.chat_state ?? { kept: false, available: false };
        if (m.resumed && !this.isOpen) this.unread += history.filter((x) => !known.has(x.id) && x.from.id !== this.d.selfId()).length;
        this.messages = history;
        this.renderList();
        break;
      }
      case 'chat': {
        if (this.messages.some((x) => x.id === m.id)) return;
        const { type: _type, ...msg } = m;
        this.messages.push(msg);
        if (this.messages.length > 500) this.messages.shift();
        const mine = msg.from.id === this.d.selfId();
        if (mine && this.input.value.trim() === this.pending.trim()) {
          this.input.value = '';
          this.pending = '';
        }
        if (!mine) {
          if (!this.isOpen) this.unread++;
          setText(this.live, '');
          const text = t(msg.to ? 'chatAnnouncePrivate' : 'chatAnnounce', { name: msg.from.name, text: msg.text });
          window.setTimeout(() => setText(this.live, text), 50);
        }
        this.renderList();
        break;
      }
      case 'chat_state': {
        const { type: _t, ...st } = m;
        if (st.kept !== this.state.kept && st.by) this.d.notify(t(st.kept ? 'chatKeptOn' : 'chatKeptOff', { name: st.by.name }));
        this.state = st;
        this.pendingKeep = null;
        break;
      }
      case 'error':
        if (this.pendingKeep !== null && (m.code === 'chat_keep_unavailable' || m.code === 'forbidden')) {
          this.pendingKeep = null;
          this.d.notify(errorText(m.code));
          this.paint();
        } else if (m.code === 'chat_keep_unavailable') this.d.notify(errorText(m.code));
        else if (m.code.startsWith('chat_')) {
          if (this.pending && !this.input.value) this.input.value = this.pending;
          this.showError(t('chatFailed', { reason: errorText(m.code) }));
        }
        return;
      default:
        return;
    }
    this.paint();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    const n = [...text].length;
    if (n > chatMaxChars) {
      this.showError(t('chatTooLong', { max: chatMaxChars, n }));
      return;
    }
    this.pending = text;
    const to = this.to.value;
    this.d.send(to ? { type: 'chat', text, to } : { type: 'chat', text });
  }

  private showError(text: string): void {
    setText(this.error, '');
    window.setTimeout(() => setText(this.error, text), 20);
  }

  private scrollDown(): void {
    this.list.scrollTop = this.list.scrollHeight;
    this.scrolledUp = false;
  }

  private time(iso: string): string {
    const l = lang();
    let f = this.timeFormat.get(l);
    if (!f) {
      f = new Intl.DateTimeFormat(l, { hour: '2-digit', minute: '2-digit' });
      this.timeFormat.set(l, f);
    }
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '' : f.format(d);
  }

  private renderList(): void {
    this.listLang = lang();
    const self = this.d.selfId();
    const items = this.messages.map((msg) => {
      const mine = msg.from.id === self;
      const head = h('p', { class: 'chat-head' }, h('span', { class: 'chat-from' }, mine ? t('chatYou') : msg.from.name), ' ', h('time', { datetime: msg.at }, this.time(msg.at)));
      if (msg.to) {
        head.append(' ', h('span', { class: 'chat-private' }, mine ? t('chatPrivateTo', { name: msg.to.name }) : t('chatPrivateFrom')));
      }
      const body = h('p', { class: 'chat-text' }, ...linkify(msg.text));
      const li = h('li', { class: `chat-message${mine ? ' mine' : ''}${msg.to ? ' private' : ''}` }, head, body);
      li.dataset.id = msg.id;
      return li;
    });
    this.list.replaceChildren(...items);
    this.empty.hidden = this.messages.length > 0;
    if (!this.scrolledUp || this.messages.at(-1)?.from.id === self) this.scrollDown();
  }

  /** Keeps the recipient choice in step with who is here. */
  private syncRecipients(): void {
    const current = this.to.value;
    const people = [...this.d.participants()].filter((p) => p.id !== this.d.selfId()).sort((a, b) => a.name.localeCompare(b.name));
    // A chosen recipient who left stays chosen, marked so: a private message must never go to
    // everyone because its recipient left meanwhile (the server refuses it; the text is kept).
    const gone = current && !people.some((p) => p.id === current) ? { id: current, name: this.to.selectedOptions[0]?.dataset.name ?? '' } : null;
    const sig = JSON.stringify([lang(), people.map((p) => [p.id, p.name]), gone]);
    if (this.to.dataset.sig === sig) return;
    this.to.dataset.sig = sig;
    const option = (id: string, name: string, label: string) => {
      const o = h('option', { value: id }, label);
      o.dataset.name = name;
      return o;
    };
    const options = [h('option', { value: '' }, t('chatEveryone')), ...people.map((p) => option(p.id, p.name, p.name))];
    if (gone) options.push(option(gone.id, gone.name, t('chatRecipientGone', { name: gone.name })));
    this.to.replaceChildren(...options);
    this.to.value = current;
  }

  /** Sets labels, the badge and the recipient list (after every render and language change). */
  paint(): void {
    const meeting = this.panel.parentElement;
    if (meeting) meeting.style.setProperty('--toolbar-h', `${this.d.toolbar().offsetHeight}px`);
    const label = t('chatButton');
    setText(this.label, label);
    const name = this.unread > 0 && !this.isOpen ? t('chatButtonUnread', { n: this.unread }) : label;
    setAttr(this.button, 'aria-label', name);
    setAttr(this.button, 'title', `${name} (${t('chatShortcutHint')})`);
    this.button.setAttribute('aria-expanded', String(this.isOpen));
    this.badge.hidden = this.unread === 0 || this.isOpen;
    setText(this.badge, this.unread > 99 ? '99+' : String(this.unread));
    setText(this.heading, t('chatTitle'));
    setAttr(this.closeButton, 'aria-label', t('chatClose'));
    setAttr(this.closeButton, 'title', t('chatClose'));
    setAttr(this.list, 'aria-label', t('chatListLabel'));
    setText(this.empty, t('chatEmpty'));
    setText(this.toLabel, t('chatTo'));
    setText(this.inputLabel, t('chatInputLabel'));
    setText(this.sendButton, t('chatSend'));
    setText(this.note, t('chatPrivateNote'));
    this.syncRecipients();
    if (this.listLang !== lang()) this.renderList();
    const recipient = this.to.selectedOptions[0];
    setAttr(this.input, 'placeholder', this.to.value && recipient ? t('chatInputPlaceholderOne', { name: recipient.dataset.name ?? '' }) : t('chatInputPlaceholderAll'));
    this.panel.classList.toggle('to-one', !!this.to.value);
    this.keep.hidden = !(this.state.available && this.d.canModerate());
    this.keepBox.checked = this.pendingKeep ?? this.state.kept;
    setText(this.keepLabel, t('chatKeep'));
    setText(this.keepHelp, t('chatKeepHelp'));
    setAttr(this.keep, 'title', t('chatKeepTooltip'));
    this.keptNotice.hidden = !this.state.kept || !this.keep.hidden;
    setText(this.keptNotice, t('chatKeptNotice'));
  }

  close(): void {
    this.panel.remove();
    this.live.remove();
  }
}
