// The page frame: header with the product name and language switch, main area, live region.

import { h, setAttr, setText } from './dom';
import { lang, onLangChange, setLang, t } from './i18n';

let liveRegion: HTMLElement | null = null;
let mainEl: HTMLElement | null = null;

/** Builds the frame once and returns the main element views render into. */
export function mountShell(root: HTMLElement): HTMLElement {
  const title = h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), t('productName'));
  title.addEventListener('click', (ev) => {
    if (document.body.dataset.view === 'meeting') return; // a real navigation leaves the meeting
    ev.preventDefault();
    navigate('/');
  });
  const langButton = h('button', { type: 'button', class: 'lang-switch' });
  const updateLang = () => {
    setText(langButton, t('languageSwitch'));
    setAttr(langButton, 'aria-label', t('languageSwitchLabel'));
    setAttr(langButton, 'lang', lang() === 'fr' ? 'en' : 'fr');
  };
  updateLang();
  onLangChange(updateLang);
  langButton.addEventListener('click', () => setLang(lang() === 'fr' ? 'en' : 'fr'));

  mainEl = h('main', { id: 'main', tabindex: '-1' });
  liveRegion = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true', id: 'announcer' });
  const account = h('div', { class: 'account', id: 'account' });
  root.replaceChildren(h('header', { class: 'site-header' }, title, h('div', { class: 'header-end' }, account, langButton)), mainEl, liveRegion);
  return mainEl;
}

/** Announces text to screen readers (polite). */
export function announce(text: string): void {
  if (!liveRegion) return;
  // Clear first so that the same message twice is announced twice.
  liveRegion.textContent = '';
  window.setTimeout(() => {
    if (liveRegion) liveRegion.textContent = text;
  }, 50);
}

type Router = (path: string) => void;
let router: Router = () => undefined;

/** Registers the function that renders a path. */
export function setRouter(fn: Router): void {
  router = fn;
}

/** Client-side navigation, keeping ?lang. */
export function navigate(path: string): void {
  history.pushState(null, '', path);
  router(path);
}

/** Moves focus to the page heading so screen-reader users hear the new view. */
export function focusHeading(container: HTMLElement): void {
  const heading = container.querySelector<HTMLElement>('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}
