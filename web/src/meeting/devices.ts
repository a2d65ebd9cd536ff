// Changing camera, microphone and speaker during the meeting: the new device's track replaces
// the one being sent (RTCRtpSender.replaceTrack, no renegotiation), the speaker is applied to
// every remote audio element (setSinkId). The choice is remembered like the pre-join's.

import { h, setText } from '../dom';
import { t, type Key } from '../i18n';
import { canPickSpeaker, listDevices, savePrefs } from '../media/local';
import type { Session } from '../rtc/session';
import type { AudioSinks } from './audio';
import { Dialog } from './dialog';

export interface DeviceEvents {
  /** The microphone track changed (the level meter follows it). */
  micChanged(track: MediaStreamTrack): void;
  /** The camera track changed. */
  cameraChanged(track: MediaStreamTrack): void;
  notify(text: string): void;
  /** Extra content for the dialog (background effects, noise suppression). */
  extra?: HTMLElement;
}

interface Picker {
  field: HTMLElement;
  select: HTMLSelectElement;
}

function picker(id: string): Picker {
  const select = h('select', { id });
  const label = h('label', { for: id });
  return { field: h('div', { class: 'field' }, label, select), select };
}

export class DevicesDialog {
  private readonly dialog = new Dialog('devices-dialog');
  private readonly cam = picker('meeting-camera');
  private readonly mic = picker('meeting-mic');
  private readonly speaker = picker('meeting-speaker');

  constructor(
    private readonly session: Session,
    private readonly sinks: AudioSinks,
    private readonly events: DeviceEvents,
  ) {
    this.dialog.body.append(this.cam.field, this.mic.field, this.speaker.field);
    if (events.extra) this.dialog.body.append(events.extra);
    this.cam.select.addEventListener('change', () => void this.switchCamera(this.cam.select.value));
    this.mic.select.addEventListener('change', () => void this.switchMic(this.mic.select.value));
    this.speaker.select.addEventListener('change', () => this.switchSpeaker(this.speaker.select.value));
  }

  get el(): HTMLElement {
    return this.dialog.el;
  }

  async open(): Promise<void> {
    this.dialog.show(t('devicesTitle'));
    const local = this.session.local;
    const current = (tr: MediaStreamTrack | null) => tr?.getSettings().deviceId ?? '';
    await this.fill(this.cam, 'videoinput', current(local.camera) || local.prefs.cameraId, 'cameraPicker');
    await this.fill(this.mic, 'audioinput', current(local.mic) || local.prefs.micId, 'micPicker');
    this.speaker.field.hidden = !canPickSpeaker();
    if (canPickSpeaker()) await this.fill(this.speaker, 'audiooutput', local.prefs.speakerId, 'speakerPicker');
  }

  private async fill(p: Picker, kind: MediaDeviceKind, selected: string, labelKey: Key): Promise<void> {
    const label = p.field.querySelector('label');
    if (label) setText(label, t(labelKey));
    const devices = await listDevices(kind).catch(() => []);
    const options = devices.map((d, i) => {
      const o = h('option', { value: d.deviceId }, d.label || t('deviceN', { kind: t(labelKey), n: i + 1 }));
      o.selected = d.deviceId === selected;
      return o;
    });
    if (kind === 'audiooutput' && !devices.some((d) => d.deviceId === 'default')) {
      options.unshift(h('option', { value: '' }, t('defaultDevice')));
    }
    p.select.replaceChildren(...options);
    p.select.disabled = options.length === 0;
  }

  /** Opens camera deviceId and sends it instead of the current one (when the camera is on). */
  async switchCamera(deviceId: string): Promise<void> {
    const { local } = this.session;
    local.prefs.cameraId = deviceId;
    savePrefs(local.prefs);
    if (!this.session.camOn) return;
    try {
      const track = await local.switchDevice('video', deviceId, async (tr) => {
        await this.session.publisher?.setTrack('camera', tr);
      });
      this.events.cameraChanged(track);
    } catch (err) {
      console.warn('visio: switch device', err);
      this.events.notify(t('deviceSwitchFailed', { reason: err instanceof Error ? err.name : String(err) }));
    }
  }

  /** Opens microphone deviceId and sends it instead of the current one (muted stays muted). */
  async switchMic(deviceId: string): Promise<void> {
    const { local } = this.session;
    local.prefs.micId = deviceId;
    savePrefs(local.prefs);
    try {
      const track = await local.switchDevice('audio', deviceId, async (tr) => {
        tr.enabled = this.session.micOn;
        if (this.session.micOn) await this.session.publisher?.setTrack('microphone', tr);
      });
      this.events.micChanged(track);
    } catch (err) {
      console.warn('visio: switch device', err);
      this.events.notify(t('deviceSwitchFailed', { reason: err instanceof Error ? err.name : String(err) }));
    }
  }

  switchSpeaker(deviceId: string): void {
    const { local } = this.session;
    local.prefs.speakerId = deviceId;
    savePrefs(local.prefs);
    this.sinks.setSpeaker(deviceId);
  }

  destroy(): void {
    this.dialog.destroy();
  }
}
