// Strings of the everyday meeting (own screen share, device changes, full screen, pinning,
// the header's name and clock, keyboard shortcuts, room settings), in French (default) and
// English, and the language rules they need. i18n.ts merges them into its dictionaries.

export const everydayFr = {
  ownShareLabel: 'Votre partage d’écran',
  signOutInMeeting: 'Vous quitterez la réunion. Se déconnecter ?',
  signOutConfirm: 'Quitter et se déconnecter',
  moreOptions: 'Plus d’options',
  devicesTitle: 'Caméra, micro et haut-parleur',
  devicesButton: 'Caméra, micro et haut-parleur…',
  deviceSwitchFailed: 'Impossible de passer à ce périphérique ({reason}).',
  fullscreenOn: 'Plein écran',
  fullscreenOff: 'Quitter le plein écran',
  shortcutsButton: 'Raccourcis clavier',
  shortcutsTitle: 'Raccourcis clavier',
  shortcutMic: 'Couper ou activer le micro',
  shortcutCam: 'Couper ou activer la caméra',
  shortcutFullscreen: 'Plein écran',
  shortcutHelp: 'Afficher cette aide',
  shortcutClose: 'Fermer une fenêtre',
  close: 'Fermer',
  pinName: 'Épingler {name}',
  unpinName: 'Désépingler {name}',
  pinnedLabel: 'Vidéo épinglée de {name}',
  meetingInfo: 'Réunion {name}, il est {time}',
  roomSettingsButton: 'Paramètres de la réunion…',
  roomSettingsTitle: 'Paramètres de la réunion',
  settingsNameLabel: 'Nom de la réunion',
  saveSettings: 'Enregistrer',
  settingsSaved: 'Paramètres enregistrés',
  settingsFailed: 'Les paramètres n’ont pas pu être enregistrés : {reason}',
  membersTitle: 'Membres et rôles',
  membersEmpty: 'Personne d’autre n’a de rôle sur cette réunion.',
  membersFailed: 'La liste des membres n’a pas pu être chargée.',
  roleOf: 'Rôle de {name}',
  role_administrator: 'Administrateur·rice',
  role_member: 'Membre',
  removeMember: 'Retirer {name}',
  memberRemoved: '{name} n’a plus de rôle sur la réunion',
  addMemberEmail: 'Adresse e-mail',
  addMemberRole: 'Rôle',
  addMember: 'Ajouter',
  addMemberLegend: 'Donner un rôle à quelqu’un',
  memberAdded: '{name} : {role}',
  err_user_not_found: 'personne ne s’est encore connecté avec cette adresse : la personne doit se connecter une première fois',
  err_invalid_request: 'la demande est incomplète ou invalide',
  roleChanged: '{name} : {role}',
  effectsBackground: 'Arrière-plan',
  effects_none: 'Aucun effet',
  effects_blur: 'Flou',
  effects_replace: 'Remplacé par un fond uni',
  effectsNoise: 'Réduction du bruit',
  effectsLoading: 'Chargement de l’effet…',
  effectsFailed: 'L’effet d’arrière-plan ne fonctionne pas dans ce navigateur.',
  effectsNoiseFailed: 'La réduction du bruit ne fonctionne pas dans ce navigateur.',
};

export const everydayEn: Record<keyof typeof everydayFr, string> = {
  ownShareLabel: 'Your screen share',
  signOutInMeeting: 'You will leave the meeting. Sign out?',
  signOutConfirm: 'Leave and sign out',
  moreOptions: 'More options',
  devicesTitle: 'Camera, microphone and speaker',
  devicesButton: 'Camera, microphone and speaker…',
  deviceSwitchFailed: 'Could not switch to this device ({reason}).',
  fullscreenOn: 'Full screen',
  fullscreenOff: 'Exit full screen',
  shortcutsButton: 'Keyboard shortcuts',
  shortcutsTitle: 'Keyboard shortcuts',
  shortcutMic: 'Mute or unmute the microphone',
  shortcutCam: 'Turn the camera off or on',
  shortcutFullscreen: 'Full screen',
  shortcutHelp: 'Show this help',
  shortcutClose: 'Close a dialog',
  close: 'Close',
  pinName: 'Pin {name}',
  unpinName: 'Unpin {name}',
  pinnedLabel: 'Pinned video of {name}',
  meetingInfo: 'Meeting {name}, the time is {time}',
  roomSettingsButton: 'Meeting settings…',
  roomSettingsTitle: 'Meeting settings',
  settingsNameLabel: 'Meeting name',
  saveSettings: 'Save',
  settingsSaved: 'Settings saved',
  settingsFailed: 'The settings could not be saved: {reason}',
  membersTitle: 'Members and roles',
  membersEmpty: 'Nobody else has a role on this meeting.',
  membersFailed: 'The member list could not be loaded.',
  roleOf: 'Role of {name}',
  role_administrator: 'Administrator',
  role_member: 'Member',
  removeMember: 'Remove {name}',
  memberRemoved: '{name} no longer has a role on the meeting',
  addMemberEmail: 'E-mail address',
  addMemberRole: 'Role',
  addMember: 'Add',
  addMemberLegend: 'Give someone a role',
  memberAdded: '{name}: {role}',
  err_user_not_found: 'nobody has signed in with this address yet: they must sign in once first',
  err_invalid_request: 'the request is incomplete or invalid',
  roleChanged: '{name}: {role}',
  effectsBackground: 'Background',
  effects_none: 'No effect',
  effects_blur: 'Blur',
  effects_replace: 'Replaced by a plain background',
  effectsNoise: 'Noise suppression',
  effectsLoading: 'Loading the effect…',
  effectsFailed: 'The background effect does not work in this browser.',
  effectsNoiseFailed: 'Noise suppression does not work in this browser.',
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
