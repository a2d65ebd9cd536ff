// A modal dialog with a title and a close button (native <dialog>: focus is trapped, Escape
// closes, focus returns to what opened it).

import { h, setText } from '../dom';
import { t } from '../i18n';

let nextId = 0;

export class Dialog {
  readonly el: HTMLDialogElement;
  readonly body: HTMLElement;
  private readonly title: HTMLElement;
  private readonly closeButton: HTMLButtonElement;
  private opener: HTMLElement | null = null;

  constructor(className: string) {
    const id = `dialog-title-${++nextId}`;
    this.title = h('h2', { id, class: 'dialog-title' });
    this.closeButton = h('button', { type: 'button', class: 'btn btn-secondary btn-small dialog-close' });
    this.body = h('div', { class: 'dialog-body' });
    this.el = h('dialog', { class: `panel-dialog ${className}`, 'aria-labelledby': id }, h('div', { class: 'dialog-head' }, this.title, this.closeButton), this.body);
    this.closeButton.addEventListener('click', () => this.close());
    this.el.addEventListener('close', () => {
      this.opener?.focus();
      this.opener = null;
    });
    document.body.append(this.el);
  }

  get open(): boolean {
    return this.el.open;
  }

  show(title: string): void {
    setText(this.title, title);
    setText(this.closeButton, t('close'));
    if (this.el.open) return;
    this.opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.el.showModal();
  }

  close(): void {
    if (this.el.open) this.el.close();
  }

  destroy(): void {
    this.close();
    this.el.remove();
  }
}
