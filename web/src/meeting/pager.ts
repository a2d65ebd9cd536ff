// Pages of the tile grid: one page shows at most pageSize tiles; the people speaking are
// brought to the first page. Tiles of other pages are not rendered at all.

import { h, setAttr, setText } from '../dom';
import { t } from '../i18n';

/** How many speakers at most are kept on the first page. */
const maxPromoted = 3;
/** Someone who spoke this recently is not pushed off the first page by another speaker. */
const holdMs = 3000;

/** Splits participants into pages and draws the previous/next buttons. */
export class Pager {
  readonly el: HTMLElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly prevLabel: HTMLElement;
  private readonly nextLabel: HTMLElement;
  private readonly status: HTMLElement;
  /** Remote participants in display order; stable between renders. */
  private order: string[] = [];
  /** performance.now() when each participant was last in the speakers list. */
  private readonly lastSpoke = new Map<string, number>();
  private page = 0;
  private pages = 1;

  constructor(onChange: () => void) {
    this.prevLabel = h('span', { class: 'pager-label' });
    this.nextLabel = h('span', { class: 'pager-label' });
    this.prev = h('button', { type: 'button', class: 'btn btn-secondary btn-small pager-button' }, h('span', { 'aria-hidden': 'true' }, '‹'), this.prevLabel);
    this.next = h('button', { type: 'button', class: 'btn btn-secondary btn-small pager-button' }, this.nextLabel, h('span', { 'aria-hidden': 'true' }, '›'));
    this.status = h('p', { class: 'pager-status', role: 'status' });
    this.prev.addEventListener('click', () => this.go(this.page - 1, onChange));
    this.next.addEventListener('click', () => this.go(this.page + 1, onChange));
    this.el = h('nav', { class: 'pager', hidden: true }, this.prev, this.status, this.next);
  }

  /** The current page, from 0, and the page count (diagnostics). */
  position(): { page: number; pages: number } {
    return { page: this.page, pages: this.pages };
  }

  /**
   * Returns the keys to show on the current page: selfKey first on the first page, then the
   * remote keys in a stable order where current speakers (loudest first) are swapped onto the
   * first page in place of whoever spoke least recently (not within the last few seconds).
   */
  arrange(selfKey: string, keys: readonly string[], speakers: readonly string[], pageSize: number, now: number): string[] {
    const present = new Set(keys);
    this.order = this.order.filter((k) => present.has(k));
    const known = new Set(this.order);
    for (const k of keys) if (!known.has(k)) this.order.push(k);
    for (const k of this.lastSpoke.keys()) if (!present.has(k)) this.lastSpoke.delete(k);

    const size = Math.max(2, pageSize);
    const firstSlots = size - 1; // the first page also shows our own tile
    const speaking = speakers.filter((k) => present.has(k));
    for (const k of speaking) this.lastSpoke.set(k, now);
    const promoted = speaking.slice(0, Math.min(maxPromoted, firstSlots));
    for (const k of promoted) {
      const at = this.order.indexOf(k);
      if (at < firstSlots) continue;
      const victim = this.quietestOnFirstPage(firstSlots, promoted, now);
      if (victim < 0) break;
      const other = this.order[victim] ?? k;
      this.order[victim] = k;
      this.order[at] = other;
    }

    const all = [selfKey, ...this.order];
    this.pages = Math.max(1, Math.ceil(all.length / size));
    this.page = Math.min(this.page, this.pages - 1);
    this.draw();
    return all.slice(this.page * size, (this.page + 1) * size);
  }

  private quietestOnFirstPage(firstSlots: number, keep: readonly string[], now: number): number {
    let index = -1;
    let oldest = Infinity;
    for (let i = 0; i < Math.min(firstSlots, this.order.length); i++) {
      const k = this.order[i] ?? '';
      if (keep.includes(k)) continue;
      const at = this.lastSpoke.get(k) ?? -Infinity;
      if (now - at < holdMs) continue;
      if (at < oldest) {
        oldest = at;
        index = i;
      }
    }
    return index;
  }

  private go(page: number, onChange: () => void): void {
    const next = Math.max(0, Math.min(this.pages - 1, page));
    if (next === this.page) return;
    this.page = next;
    this.draw();
    onChange();
  }

  /** Updates the texts and buttons (also after a language change). */
  draw(): void {
    this.el.hidden = this.pages <= 1;
    setAttr(this.el, 'aria-label', t('pagesLabel'));
    setText(this.prevLabel, t('pagePrevious'));
    setText(this.nextLabel, t('pageNext'));
    setAttr(this.prev, 'title', t('pagePrevious'));
    setAttr(this.next, 'title', t('pageNext'));
    setText(this.status, t('pageStatus', { page: this.page + 1, pages: this.pages }));
    // aria-disabled rather than disabled: a keyboard user on the last page keeps the focus.
    setAttr(this.prev, 'aria-disabled', this.page === 0 ? 'true' : null);
    setAttr(this.next, 'aria-disabled', this.page >= this.pages - 1 ? 'true' : null);
  }
}
