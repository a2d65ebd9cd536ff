// The header's account area: "Se connecter", or the user's name and "Se déconnecter".

import { onMe, signInUrl, signOut, type Me } from '../auth';
import { h, setAttr, setText } from '../dom';
import { onLangChange, t } from '../i18n';
import { ConfirmDialog } from '../meeting/confirm';

/** Fills slot (in the site header) and keeps it up to date. */
export function mountAccount(slot: HTMLElement): void {
  let user: Me | null | undefined;
  const signIn = h('a', { class: 'btn btn-secondary btn-small account-signin', href: '/auth/login' });
  // The return path is the page at the moment of the click (the app navigates without reloads).
  const refreshHref = () => setAttr(signIn, 'href', signInUrl(location.pathname));
  signIn.addEventListener('pointerdown', refreshHref);
  signIn.addEventListener('focus', refreshHref);
  signIn.addEventListener('click', refreshHref);
  const name = h('span', { class: 'account-name' });
  const dev = h('span', { class: 'account-dev' });
  const signOutButton = h('button', { type: 'button', class: 'btn btn-secondary btn-small' });
  let confirm: ConfirmDialog | null = null;
  const doSignOut = () => {
    signOutButton.disabled = true;
    signOut().catch((err: unknown) => {
      console.warn('visio: sign out', err);
      signOutButton.disabled = false;
    });
  };
  signOutButton.addEventListener('click', () => {
    // Signing out leaves a meeting: ask first.
    if (document.body.dataset.view !== 'meeting') return doSignOut();
    if (!confirm) {
      confirm = new ConfirmDialog('signout-confirm-text');
      document.body.append(confirm.el);
    }
    confirm.ask(t('signOutInMeeting'), t('signOutConfirm'), doSignOut);
  });
  const signedIn = h('div', { class: 'account-in' }, name, dev, signOutButton);

  const paint = () => {
    slot.dataset.account = user === undefined ? 'unknown' : user ? 'in' : 'out';
    setText(signIn, t('signIn'));
    setText(signOutButton, t('signOut'));
    setText(dev, t('devSignIn'));
    setAttr(dev, 'title', t('devSignInLong'));
    if (user) {
      setText(name, user.name);
      setAttr(name, 'title', user.email);
      dev.hidden = !user.development;
      slot.replaceChildren(signedIn);
    } else if (user === null) {
      refreshHref();
      slot.replaceChildren(signIn);
    } else {
      slot.replaceChildren();
    }
  };
  onMe((m) => {
    user = m;
    paint();
  });
  onLangChange(paint);
  paint();
}
