// Strings of the everyday meeting (own screen share, device changes, full screen, pinning,
// the header's name and clock, keyboard shortcuts, room settings), in French (default) and
// English, and the language rules they need. i18n.ts merges them into its dictionaries.

export const everydayFr = {
  ownShareLabel: 'Votre partage d’écran',
  signOutInMeeting: 'Vous quitterez la réunion. Se déconnecter ?',
  signOutConfirm: 'Quitter et se déconnecter',
};

export const everydayEn: Record<keyof typeof everydayFr, string> = {
  ownShareLabel: 'Your screen share',
  signOutInMeeting: 'You will leave the meeting. Sign out?',
  signOutConfirm: 'Leave and sign out',
};

/** The first of French and English the browser prefers (navigator.languages), or null. */
export function browserLang(): 'fr' | 'en' | null {
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language ?? ''];
  for (const tag of prefs) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return null;
}

/** French elision before a vowel or a mute h: "de {name}" with "Irène" becomes "d’Irène". */
export function elide(template: string, params: Record<string, string | number>): string {
  return template.replace(/\bde \{(\w+)\}/g, (m, name: string) => {
    const v = params[name];
    return typeof v === 'string' && /^[aeiouyhàâäéèêëîïôöùûüœæ]/i.test(v) ? `d’{${name}}` : m;
  });
}
