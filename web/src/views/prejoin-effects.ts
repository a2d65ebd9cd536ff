// Background effects on the pre-join screen: the same choice as in the meeting's devices dialog
// (meeting/effects-ui.ts, remembered in this browser), applied to the preview so that one sees
// what others will see before joining. The meeting starts its own effect from the choice.

import './prejoin-effects.css';
import { h, setText } from '../dom';
import { t, type Key } from '../i18n';
import { BackgroundEffect, type BackgroundMode } from '../media/background';
import { loadEffects, saveEffects } from '../meeting/effects-ui';

const modes: BackgroundMode[] = ['none', 'blur', 'replace'];

export class PreviewEffects {
  /** The choice, for the pre-join form. */
  readonly el: HTMLElement;
  private mode: BackgroundMode = loadEffects().background;
  private bg: BackgroundEffect | null = null;
  private failed = false;
  private closed = false;
  private camera: MediaStreamTrack | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly legend = h('legend');
  private readonly labels = new Map<BackgroundMode, HTMLElement>();
  private readonly status = h('p', { class: 'effects-status', role: 'status' });

  /** show puts a track in the preview: the processed one, or the camera itself. */
  constructor(private readonly show: (track: MediaStreamTrack | null, effect: BackgroundMode) => void) {
    const rows = modes.map((m) => {
      const input = h('input', { type: 'radio', name: 'prejoin-effects', id: `prejoin-effects-${m}`, value: m });
      input.checked = this.mode === m;
      input.addEventListener('change', () => {
        this.mode = m;
        this.failed = false;
        setText(this.status, '');
        saveEffects({ ...loadEffects(), background: m });
        void this.apply(this.camera);
      });
      const label = h('label', { for: `prejoin-effects-${m}` });
      this.labels.set(m, label);
      return h('div', { class: 'radio' }, input, label);
    });
    this.el = h('fieldset', { class: 'prejoin-effects' }, this.legend, ...rows, this.status);
    this.paint();
  }

  paint(): void {
    setText(this.legend, t('effectsBackground'));
    for (const [m, label] of this.labels) setText(label, t(`effects_${m}` as Key));
  }

  /** Shows camera (null: the camera is off) with the chosen effect. One run at a time. */
  apply(camera: MediaStreamTrack | null): Promise<void> {
    this.camera = camera;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.applyOnce();
      } while (this.again && !this.closed);
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async applyOnce(): Promise<void> {
    const camera = this.camera;
    const mode = this.mode;
    if (this.closed) return;
    if (!camera || mode === 'none' || this.failed) {
      this.bg?.close();
      this.bg = null;
      this.show(camera, 'none');
      return;
    }
    if (!this.bg) {
      this.show(camera, 'none');
      setText(this.status, t('effectsLoading'));
      try {
        this.bg = await BackgroundEffect.start(camera, mode);
        setText(this.status, '');
      } catch (err) {
        console.warn('visio: background effect', err);
        this.failed = true;
        setText(this.status, t('effectsFailed'));
        return;
      }
      if (this.closed) {
        this.bg.close();
        this.bg = null;
        return;
      }
    }
    this.bg.mode = mode;
    this.bg.retarget(camera);
    this.show(this.bg.track, mode);
  }

  close(): void {
    this.closed = true;
    this.bg?.close();
    this.bg = null;
  }
}
