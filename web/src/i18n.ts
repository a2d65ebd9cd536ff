// Every user-visible string, in French (default) and English.
// The language is chosen by ?lang=xx, then localStorage, then the browser's languages, then French.

import { accessEn, accessFr } from './i18n-access';
import { recordingEn, recordingFr } from './i18n-recording';
import { transcriptionEn, transcriptionFr } from './i18n-transcription';
import { networkEn, networkFr } from './i18n-network';
import { handsEn, handsFr } from './i18n-hands';
import { breakoutEn, breakoutFr } from './i18n-breakout';
import { chatEn, chatFr } from './i18n-chat';
import { failoverEn, failoverFr } from './i18n-failover';
import { browserLang, elide, everydayEn, everydayFr } from './i18n-everyday';

const fr = {
  ...accessFr,
  ...transcriptionFr,
  ...recordingFr,
  ...networkFr,
  ...everydayFr,
  ...handsFr,
  ...breakoutFr,
  ...chatFr,
  ...failoverFr,
  productName: 'Visio',
  tagline: 'La visioconférence de l’administration, hébergée sur ses propres serveurs.',
  languageSwitch: 'English',
  languageSwitchLabel: 'Switch to English',
  newMeeting: 'Nouvelle réunion',
  creatingMeeting: 'Création de la réunion…',
  createFailed: 'Impossible de créer la réunion. Réessayez dans un instant.',
  joinWithCode: 'Rejoindre avec un code ou un lien',
  joinCodeLabel: 'Code ou lien de la réunion',
  joinCodePlaceholder: 'abc-defg-hij',
  joinCodeButton: 'Rejoindre avec ce code',
  invalidCode: 'Ce code n’est pas valide. Un code ressemble à abc-defg-hij.',
  homeLink: 'Retour à l’accueil',
  loading: 'Chargement…',
  notFoundTitle: 'Cette réunion n’existe pas',
  notFoundBody: 'Le code {code} ne correspond à aucune réunion. Vérifiez le lien reçu ou créez une nouvelle réunion.',
  roomCheckFailed: 'Impossible de joindre le serveur. Vérifiez votre connexion puis réessayez.',
  retry: 'Réessayer',
  prejoinTitle: 'Prêt à rejoindre ?',
  prejoinMeeting: 'Réunion {code}',
  prejoinCount0: 'Personne n’est encore dans la réunion.',
  prejoinCount1: '1 personne est déjà dans la réunion.',
  prejoinCountN: '{n} personnes sont déjà dans la réunion.',
  previewLabel: 'Aperçu de votre caméra',
  cameraOffPreview: 'Caméra désactivée',
  micLevel: 'Niveau du micro',
  cameraPicker: 'Caméra',
  micPicker: 'Micro',
  speakerPicker: 'Haut-parleur',
  defaultDevice: 'Par défaut',
  deviceN: '{kind} {n}',
  nameLabel: 'Votre nom',
  nameRequired: 'Indiquez votre nom pour rejoindre la réunion.',
  joinButton: 'Rejoindre',
  devicesBlocked: 'Votre navigateur bloque l’accès à la caméra et au micro. Pour les autoriser, cliquez sur l’icône à gauche de l’adresse du site, autorisez la caméra et le micro, puis rechargez la page. Vous pouvez aussi rejoindre sans caméra ni micro pour écouter et regarder.',
  devicesMissing: 'Aucune caméra ni aucun micro n’a été trouvé. Branchez un périphérique puis rechargez la page, ou rejoignez pour écouter et regarder.',
  devicesError: 'La caméra ou le micro n’a pas pu démarrer ({reason}). Il est peut-être utilisé par une autre application. Vous pouvez rejoindre pour écouter et regarder.',
  listenOnly: 'Vous rejoindrez en écoute seule.',
  micOff: 'Couper le micro',
  micOn: 'Activer le micro',
  camOff: 'Couper la caméra',
  camOn: 'Activer la caméra',
  shareStart: 'Partager l’écran',
  shareStop: 'Arrêter le partage',
  shareFailed: 'Le partage d’écran n’a pas pu démarrer.',
  copyLink: 'Copier le lien de la réunion',
  linkCopied: 'Lien copié',
  copyFailed: 'Impossible de copier le lien : {url}',
  leave: 'Quitter la réunion',
  controlsLabel: 'Commandes de la réunion',
  participantsLabel: 'Participants',
  you: '{name} (vous)',
  micMuted: 'Micro coupé',
  speaking: 'Parle',
  away: 'Reconnexion…',
  stageLabel: 'Partage d’écran de {name}',
  pagesLabel: 'Pages des participants',
  pagePrevious: 'Page précédente',
  pageNext: 'Page suivante',
  pageStatus: 'Page {page} sur {pages}',
  connecting: 'Connexion…',
  reconnecting: 'Reconnexion…',
  connectionFailed: 'Échec de la connexion : {reason}',
  ended: 'Session terminée : {reason}',
  leftTitle: 'Vous avez quitté la réunion',
  rejoin: 'Rejoindre à nouveau',
  joined: '{name} a rejoint la réunion',
  left: '{name} a quitté la réunion',
  someone: 'Un participant',
  reasonUnreachable: 'le serveur est injoignable',
  reasonMedia: 'la connexion audio et vidéo n’a pas pu s’établir',
  bye_shutdown: 'le serveur redémarre. Réessayez dans un instant.',
  bye_room_closed: 'la réunion a été fermée.',
  bye_replaced: 'vous avez rejoint cette réunion depuis un autre onglet ou appareil.',
  bye_unknown: 'le serveur a fermé la session.',
  err_bad_message: 'message refusé par le serveur',
  err_not_joined: 'la session n’est pas encore ouverte',
  err_already_joined: 'vous êtes déjà dans la réunion',
  err_invalid_name: 'le nom doit compter entre 1 et 64 caractères',
  err_room_full: 'la réunion est complète',
  err_resume_expired: 'la reprise de session a expiré',
  err_bad_sdp: 'la négociation audio et vidéo a échoué',
  err_bad_candidate: 'un paramètre réseau a été refusé',
  err_bad_track: 'un flux audio ou vidéo a été refusé',
  err_rate_limited: 'trop de messages envoyés',
  err_server_error: 'erreur interne du serveur',
  err_room_not_found: 'cette réunion n’existe pas',
  err_unknown: 'erreur inconnue',
};

export type Key = keyof typeof fr;
export type Lang = 'fr' | 'en';

const en: Record<Key, string> = {
  ...accessEn,
  ...transcriptionEn,
  ...recordingEn,
  ...networkEn,
  ...everydayEn,
  ...handsEn,
  ...breakoutEn,
  ...chatEn,
  ...failoverEn,
  productName: 'Visio',
  tagline: 'The administration’s video conferencing, hosted on its own servers.',
  languageSwitch: 'Français',
  languageSwitchLabel: 'Passer en français',
  newMeeting: 'New meeting',
  creatingMeeting: 'Creating the meeting…',
  createFailed: 'The meeting could not be created. Try again in a moment.',
  joinWithCode: 'Join with a code or a link',
  joinCodeLabel: 'Meeting code or link',
  joinCodePlaceholder: 'abc-defg-hij',
  joinCodeButton: 'Join with this code',
  invalidCode: 'This code is not valid. A code looks like abc-defg-hij.',
  homeLink: 'Back to home',
  loading: 'Loading…',
  notFoundTitle: 'This meeting does not exist',
  notFoundBody: 'The code {code} matches no meeting. Check the link you received or create a new meeting.',
  roomCheckFailed: 'The server cannot be reached. Check your connection and try again.',
  retry: 'Retry',
  prejoinTitle: 'Ready to join?',
  prejoinMeeting: 'Meeting {code}',
  prejoinCount0: 'Nobody is in the meeting yet.',
  prejoinCount1: '1 person is already in the meeting.',
  prejoinCountN: '{n} people are already in the meeting.',
  previewLabel: 'Your camera preview',
  cameraOffPreview: 'Camera off',
  micLevel: 'Microphone level',
  cameraPicker: 'Camera',
  micPicker: 'Microphone',
  speakerPicker: 'Speaker',
  defaultDevice: 'Default',
  deviceN: '{kind} {n}',
  nameLabel: 'Your name',
  nameRequired: 'Enter your name to join the meeting.',
  joinButton: 'Join',
  devicesBlocked: 'Your browser blocks access to the camera and microphone. To allow them, click the icon left of the site address, allow the camera and microphone, then reload the page. You can also join without camera or microphone to listen and watch.',
  devicesMissing: 'No camera or microphone was found. Plug one in and reload the page, or join to listen and watch.',
  devicesError: 'The camera or microphone could not start ({reason}). Another application may be using it. You can join to listen and watch.',
  listenOnly: 'You will join listen-only.',
  micOff: 'Mute microphone',
  micOn: 'Unmute microphone',
  camOff: 'Turn camera off',
  camOn: 'Turn camera on',
  shareStart: 'Share screen',
  shareStop: 'Stop sharing',
  shareFailed: 'Screen sharing could not start.',
  copyLink: 'Copy meeting link',
  linkCopied: 'Link copied',
  copyFailed: 'The link could not be copied: {url}',
  leave: 'Leave meeting',
  controlsLabel: 'Meeting controls',
  participantsLabel: 'Participants',
  you: '{name} (you)',
  micMuted: 'Microphone muted',
  speaking: 'Speaking',
  away: 'Reconnecting…',
  stageLabel: 'Screen shared by {name}',
  pagesLabel: 'Participant pages',
  pagePrevious: 'Previous page',
  pageNext: 'Next page',
  pageStatus: 'Page {page} of {pages}',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  connectionFailed: 'Connection failed: {reason}',
  ended: 'Session ended: {reason}',
  leftTitle: 'You left the meeting',
  rejoin: 'Join again',
  joined: '{name} joined the meeting',
  left: '{name} left the meeting',
  someone: 'A participant',
  reasonUnreachable: 'the server cannot be reached',
  reasonMedia: 'audio and video could not connect',
  bye_shutdown: 'the server is restarting. Try again in a moment.',
  bye_room_closed: 'the meeting was closed.',
  bye_replaced: 'you joined this meeting from another tab or device.',
  bye_unknown: 'the server closed the session.',
  err_bad_message: 'message refused by the server',
  err_not_joined: 'the session is not open yet',
  err_already_joined: 'you are already in the meeting',
  err_invalid_name: 'the name must be 1 to 64 characters long',
  err_room_full: 'the meeting is full',
  err_resume_expired: 'the session could not be resumed in time',
  err_bad_sdp: 'audio and video negotiation failed',
  err_bad_candidate: 'a network parameter was refused',
  err_bad_track: 'an audio or video stream was refused',
  err_rate_limited: 'too many messages sent',
  err_server_error: 'internal server error',
  err_room_not_found: 'this meeting does not exist',
  err_unknown: 'unknown error',
};

const dictionaries: Record<Lang, Record<Key, string>> = { fr, en };
const storageKey = 'visio.lang';
const listeners = new Set<() => void>();

function initialLang(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'fr' || fromUrl === 'en') {
    store(fromUrl);
    return fromUrl;
  }
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'fr' || saved === 'en') return saved;
  } catch {
    // Storage may be disabled; French is the default.
  }
  return browserLang() ?? 'fr';
}

function store(lang: Lang): void {
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Not remembered: fine.
  }
}

let current: Lang = initialLang();
document.documentElement.lang = current;

/** The current language. */
export function lang(): Lang {
  return current;
}

/** Translates key, replacing {param} placeholders. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = current === 'fr' ? elide(dictionaries.fr[key], params) : dictionaries[current][key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Translates a server error code (protocol table) to a short reason. */
export function errorText(code: string): string {
  const key = `err_${code}`;
  return key in fr ? t(key as Key) : t('err_unknown');
}

/** Translates a bye reason. */
export function byeText(reason: string): string {
  const key = `bye_${reason}`;
  return key in fr ? t(key as Key) : t('bye_unknown');
}

/** Changes the language, remembers it and notifies listeners. */
export function setLang(next: Lang): void {
  if (next === current) return;
  current = next;
  document.documentElement.lang = next;
  store(next);
  for (const fn of listeners) fn();
}

/** Calls fn whenever the language changes; returns an unsubscribe function. */
export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
