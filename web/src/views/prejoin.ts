// Pre-join screen: camera preview, microphone level, device pickers, name, join.

import { h, icon, setAttr, setText } from '../dom';
import { onLangChange, t, type Key } from '../i18n';
import { LevelMeter } from '../media/level';
import { canPickSpeaker, listDevices, LocalMedia, savePrefs } from '../media/local';
import { loadOnOff, saveOnOff } from '../media/onoff';
import { focusHeading } from '../shell';
import type { Outcome } from '../meeting/moderation';
import { netTestLink } from './nettest';
import type { Role } from '../rooms';
import { PreviewEffects } from './prejoin-effects';

export interface JoinChoice {
  name: string;
  micOn: boolean;
  camOn: boolean;
  local: LocalMedia;
  /** Fresh single-use join tokens (the first one already fetched); see rooms.ts. */
  tokens?: () => Promise<string>;
  /** The meeting ended for us for a reason shown on its own page (lobby, moderation). */
  onOutcome?: (o: Outcome) => void;
  /** The room's name and our role on it, from the join ticket. */
  room?: { name: string; role: Role };
}

/** Set when the user is signed in: the name comes from the identity and is not editable. */
export interface PrejoinOptions {
  fixedName?: string;
}

const nameKey = 'visio.name';

function savedName(): string {
  try {
    return localStorage.getItem(nameKey) ?? '';
  } catch {
    return '';
  }
}

export function renderPrejoin(
  main: HTMLElement,
  code: string,
  count: number,
  onJoin: (c: JoinChoice) => void | Promise<string | null>,
  opts: PrejoinOptions = {},
): () => void {
  const local = new LocalMedia();
  let { micOn, camOn } = loadOnOff();
  let handedOver = false;
  let meter: LevelMeter | null = null;
  let raf = 0;

  const heading = h('h1');
  const meetingLine = h('p', { class: 'muted' });
  const countLine = h('p', { class: 'muted' });
  const video = h('video', { class: 'preview-video mirrored', autoplay: true, playsinline: true });
  video.muted = true;
  const previewOff = h('div', { class: 'preview-off' });
  const preview = h('div', { class: 'preview', role: 'img' }, video, previewOff);
  const meterFill = h('div', { class: 'meter-fill' });
  const meterEl = h('div', { class: 'meter', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, meterFill);
  const micButton = h('button', { type: 'button', class: 'btn-round' });
  const camButton = h('button', { type: 'button', class: 'btn-round' });
  const notice = h('div', { class: 'notice', role: 'alert', hidden: true });

  const nameLabel = h('label', { for: 'display-name' });
  const nameInput = h('input', { id: 'display-name', type: 'text', maxlength: '64', autocomplete: 'name', 'aria-describedby': 'name-error' });
  nameInput.value = opts.fixedName ?? savedName();
  const nameError = h('p', { class: 'form-error', id: 'name-error', role: 'alert' });
  const nameHelp = h('p', { class: 'muted field-help', id: 'name-help', hidden: !opts.fixedName });
  const joinError = h('p', { class: 'form-error', role: 'alert' });
  if (opts.fixedName) {
    nameInput.readOnly = true;
    nameInput.setAttribute('aria-describedby', 'name-help');
  }
  let joining = false;
  const joinButton = h('button', { type: 'submit', class: 'btn btn-primary btn-large' });
  const netTest = netTestLink(true); // a new tab: the preview here stays

  const pickers = h('div', { class: 'pickers' });
  let shown: MediaStreamTrack | null = null;
  const effects = new PreviewEffects((track, effect) => {
    if (track !== shown) {
      shown = track;
      video.srcObject = track ? new MediaStream([track]) : null;
    }
    preview.dataset.effect = effect;
  });
  const camSelect = picker('camera-select', 'cameraPicker');
  const micSelect = picker('mic-select', 'micPicker');
  const speakerSelect = picker('speaker-select', 'speakerPicker');

  function picker(id: string, key: Key) {
    const label = h('label', { for: id });
    const select = h('select', { id });
    const wrap = h('div', { class: 'field', hidden: true }, label, select);
    pickers.append(wrap);
    return { label, select, wrap, key };
  }

  const form = h(
    'form',
    { class: 'prejoin-form', novalidate: true },
    heading,
    meetingLine,
    countLine,
    nameLabel,
    nameInput,
    nameError,
    nameHelp,
    pickers,
    joinButton,
    joinError,
    netTest.el,
  );

  const paint = () => {
    netTest.paint();
    effects.paint();
    setText(heading, t('prejoinTitle'));
    setText(meetingLine, t('prejoinMeeting', { code }));
    setText(countLine, count === 0 ? t('prejoinCount0') : count === 1 ? t('prejoinCount1') : t('prejoinCountN', { n: count }));
    setAttr(preview, 'aria-label', t('previewLabel'));
    setText(previewOff, t('cameraOffPreview'));
    setAttr(meterEl, 'aria-label', t('micLevel'));
    const micLabel = micOn ? t('micOff') : t('micOn');
    setAttr(micButton, 'aria-label', micLabel);
    setAttr(micButton, 'title', micLabel);
    micButton.replaceChildren(icon(micOn ? 'mic' : 'micOff'));
    micButton.classList.toggle('off', !micOn);
    micButton.disabled = !local.mic;
    const camLabel = camOn ? t('camOff') : t('camOn');
    setAttr(camButton, 'aria-label', camLabel);
    setAttr(camButton, 'title', camLabel);
    camButton.replaceChildren(icon(camOn ? 'cam' : 'camOff'));
    camButton.classList.toggle('off', !camOn);
    camButton.disabled = local.problem !== null && !local.camera && !camOn;
    setText(nameLabel, t('nameLabel'));
    if (nameError.textContent) setText(nameError, t('nameRequired'));
    setText(joinButton, joining ? t('joiningButton') : t('joinButton'));
    setText(nameHelp, t('nameFromIdentity'));
    for (const p of [camSelect, micSelect, speakerSelect]) setText(p.label, t(p.key));
    if (local.problem) {
      const key: Key = local.problem === 'blocked' ? 'devicesBlocked' : local.problem === 'missing' ? 'devicesMissing' : 'devicesError';
      notice.hidden = false;
      setText(notice, t(key, { reason: local.problemDetail }) + (local.mic || local.camera ? '' : ' ' + t('listenOnly')));
    } else {
      notice.hidden = true;
    }
    effects.el.hidden = !local.camera && !camOn;
    const showVideo = camOn && !!local.camera;
    video.hidden = !showVideo;
    previewOff.hidden = showVideo;
  };

  const showCamera = () => {
    void effects.apply(camOn ? local.camera : null);
    paint();
  };

  const startMeter = () => {
    meter?.close();
    meter = local.mic ? new LevelMeter(local.mic) : null;
  };
  const tick = () => {
    const level = meter && micOn ? meter.level() : 0;
    meterFill.style.transform = `scaleX(${level.toFixed(3)})`;
    setAttr(meterEl, 'aria-valuenow', String(Math.round(level * 100)));
    raf = requestAnimationFrame(tick);
  };

  const fillPickers = async () => {
    const fill = async (p: typeof camSelect, kind: MediaDeviceKind, current: string, labelKey: Key) => {
      const devices = await listDevices(kind);
      p.wrap.hidden = devices.length === 0;
      p.select.replaceChildren(
        ...devices.map((d, i) =>
          h('option', { value: d.deviceId, selected: d.deviceId === current }, d.label || t('deviceN', { kind: t(labelKey), n: i + 1 })),
        ),
      );
    };
    const settings = (track: MediaStreamTrack | null) => track?.getSettings().deviceId ?? '';
    await fill(camSelect, 'videoinput', settings(local.camera) || local.prefs.cameraId, 'cameraPicker');
    await fill(micSelect, 'audioinput', settings(local.mic) || local.prefs.micId, 'micPicker');
    if (canPickSpeaker()) await fill(speakerSelect, 'audiooutput', local.prefs.speakerId, 'speakerPicker');
  };

  micButton.addEventListener('click', () => {
    micOn = !micOn;
    saveOnOff({ micOn });
    if (local.mic) local.mic.enabled = micOn;
    paint();
  });
  camButton.addEventListener('click', async () => {
    camOn = !camOn;
    saveOnOff({ camOn });
    if (!camOn) local.stopCamera();
    else await local.startCamera(local.prefs.cameraId).catch(() => (camOn = false));
    showCamera();
  });
  camSelect.select.addEventListener('change', async () => {
    local.prefs.cameraId = camSelect.select.value;
    savePrefs(local.prefs);
    if (camOn) await local.startCamera(local.prefs.cameraId).catch(() => undefined);
    showCamera();
  });
  micSelect.select.addEventListener('change', async () => {
    local.prefs.micId = micSelect.select.value;
    savePrefs(local.prefs);
    await local.startMic(local.prefs.micId).catch(() => undefined);
    if (local.mic) local.mic.enabled = micOn;
    startMeter();
  });
  speakerSelect.select.addEventListener('change', () => {
    local.prefs.speakerId = speakerSelect.select.value;
    savePrefs(local.prefs);
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = nameInput.value.trim();
    if (!name) {
      setText(nameError, t('nameRequired'));
      nameInput.setAttribute('aria-invalid', 'true');
      nameInput.focus();
      return;
    }
    try {
      if (!opts.fixedName) localStorage.setItem(nameKey, name);
    } catch {
      // not remembered
    }
    if (joining) return;
    handedOver = true;
    const pending = onJoin({ name, micOn: micOn && !!local.mic, camOn: camOn && !!local.camera, local });
    if (!pending) return;
    joining = true;
    setText(joinError, '');
    joinButton.setAttribute('aria-busy', 'true');
    paint();
    void pending.then((error) => {
      if (gone) return; // in the meeting now
      // Still here: the join was refused.
      joining = false;
      handedOver = false;
      joinButton.removeAttribute('aria-busy');
      setText(joinError, error ?? '');
      paint();
    });
  });
  nameInput.addEventListener('input', () => {
    setText(nameError, '');
    nameInput.removeAttribute('aria-invalid');
  });

  paint();
  main.replaceChildren(
    h(
      'div',
      { class: 'prejoin' },
      h('section', { class: 'preview-pane' }, preview, h('div', { class: 'preview-controls' }, micButton, camButton, meterEl), effects.el, notice),
      h('section', { class: 'card form-pane' }, form),
    ),
  );
  document.title = `${t('prejoinTitle')} · ${t('productName')}`;
  focusHeading(main);

  let gone = false;
  void local.start(camOn).then(async () => {
    if (gone) return local.stopAll();
    if (!local.camera) camOn = false;
    if (!local.mic) micOn = false;
    if (local.mic) local.mic.enabled = micOn;
    showCamera();
    startMeter();
    raf = requestAnimationFrame(tick);
    await fillPickers().catch(() => undefined);
    document.body.dataset.devices = 'ready';
  });

  const offLang = onLangChange(paint);
  return () => {
    gone = true;
    offLang();
    cancelAnimationFrame(raf);
    meter?.close();
    effects.close();
    video.srcObject = null;
    delete document.body.dataset.devices;
    if (!handedOver) local.stopAll();
  };
}
