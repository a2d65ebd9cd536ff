// A modal confirmation for destructive moderation actions (native <dialog>: focus is trapped,
// Escape cancels, focus returns to the button that opened it).

import { h, setText } from '../dom';
import { t } from '../i18n';

export class ConfirmDialog {
  readonly el: HTMLDialogElement;
  private readonly text: HTMLElement;
  private readonly ok: HTMLButtonElement;
  private readonly cancel: HTMLButtonElement;
  private onOk: (() => void) | null = null;

  /** textId names the question's element, which names the dialog: one per dialog on a page. */
  constructor(textId = 'confirm-text') {
    this.text = h('p', { id: textId, class: 'confirm-text' });
    this.ok = h('button', { type: 'button', class: 'btn btn-danger' });
    this.cancel = h('button', { type: 'button', class: 'btn btn-secondary' });
    this.el = h('dialog', { class: 'confirm', 'aria-labelledby': textId }, this.text, h('div', { class: 'actions' }, this.cancel, this.ok));
    this.ok.addEventListener('click', () => {
      const fn = this.onOk;
      this.close();
      fn?.();
    });
    this.cancel.addEventListener('click', () => this.close());
    this.el.addEventListener('close', () => (this.onOk = null));
  }

  /** Asks; calls onOk only if the user confirms. okLabel names the confirming button. */
  ask(question: string, okLabel: string, onOk: () => void): void {
    setText(this.text, question);
    setText(this.ok, okLabel);
    setText(this.cancel, t('cancel'));
    this.onOk = onOk;
    if (!this.el.open) this.el.showModal();
    this.cancel.focus();
  }

  close(): void {
    if (this.el.open) this.el.close();
  }
}
