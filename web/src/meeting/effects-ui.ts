// Background effects and noise suppression in the meeting: the choices (off by default,
// remembered in this browser), shown in the devices dialog, and the controller that keeps the
// processed tracks in place of the camera and microphone being sent.

import { h, setText } from '../dom';
import { t, type Key } from '../i18n';
import { BackgroundEffect, type BackgroundMode } from '../media/background';
import { NoiseSuppression } from '../media/noise';
import type { Session } from '../rtc/session';

export interface EffectPrefs {
  background: BackgroundMode;
  noise: boolean;
}

const key = 'visio.effects';

export function loadEffects(): EffectPrefs {
  try {
    const raw = JSON.parse(localStorage.getItem(key) ?? '{}') as Partial<EffectPrefs>;
    const bg = raw.background === 'blur' || raw.background === 'replace' ? raw.background : 'none';
    return { background: bg, noise: raw.noise === true };
  } catch {
    return { background: 'none', noise: false };
  }
}

export function saveEffects(p: EffectPrefs): void {
  try {
    localStorage.setItem(key, JSON.stringify(p));
  } catch {
    // not remembered
  }
}

const modes: BackgroundMode[] = ['none', 'blur', 'replace'];

export class Effects {
  /** The dialog section. */
  readonly el: HTMLElement;
  private prefs = loadEffects();
  private bg: BackgroundEffect | null = null;
  private ns: NoiseSuppression | null = null;
  private starting = { bg: false, ns: false };
  private failed = { bg: false, ns: false };
  private readonly radios = new Map<BackgroundMode, HTMLInputElement>();
  private readonly radioLabels = new Map<BackgroundMode, HTMLElement>();
  private readonly legend = h('legend');
  private readonly noiseBox = h('input', { type: 'checkbox', id: 'effects-noise' });
  private readonly noiseLabel = h('label', { for: 'effects-noise' });
  private readonly status = h('p', { class: 'effects-status', role: 'status' });
  private closed = false;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly session: Session,
    private readonly changed: () => void,
  ) {
    const rows = modes.map((m) => {
      const input = h('input', { type: 'radio', name: 'effects-background', id: `effects-${m}`, value: m });
      input.checked = this.prefs.background === m;
      input.addEventListener('change', () => this.set({ background: m }));
      const label = h('label', { for: `effects-${m}` });
      this.radios.set(m, input);
      this.radioLabels.set(m, label);
      return h('div', { class: 'radio' }, input, label);
    });
    this.noiseBox.checked = this.prefs.noise;
    this.noiseBox.addEventListener('change', () => this.set({ noise: this.noiseBox.checked }));
    this.el = h('div', { class: 'effects' }, h('fieldset', {}, this.legend, ...rows), h('div', { class: 'radio' }, this.noiseBox, this.noiseLabel), this.status);
    this.paint();
  }

  /** The processed camera track when an effect is on (for the self view). */
  get camera(): MediaStreamTrack | null {
    return this.bg && this.prefs.background !== 'none' ? this.bg.track : null;
  }

  /** Time per segmented camera frame (ms), last 30 frames: for diagnostics and benchmarks. */
  get frameMs(): number[] {
    return this.bg?.frameMs ?? [];
  }

  /** Camera frames drawn with the effect so far. */
  get composed(): number {
    return this.bg?.composed ?? 0;
  }

  paint(): void {
    setText(this.legend, t('effectsBackground'));
    for (const [m, label] of this.radioLabels) setText(label, t(`effects_${m}` as Key));
    setText(this.noiseLabel, t('effectsNoise'));
  }

  private set(change: Partial<EffectPrefs>): void {
    this.prefs = { ...this.prefs, ...change };
    saveEffects(this.prefs);
    if (change.background !== undefined) this.failed.bg = false;
    if (change.noise !== undefined) this.failed.ns = false;
    setText(this.status, '');
    void this.reconcile();
  }

  /** Puts the processed tracks in place of the camera and microphone being sent, or takes them out. */
  reconcile(): Promise<void> {
    // One at a time: a call while one runs makes it run once more when done.
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        if (this.closed) return;
        await Promise.all([this.reconcileCamera(), this.reconcileMic()]);
      } while (this.again);
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async reconcileCamera(): Promise<void> {
    const { session } = this;
    const pub = session.publisher;
    const raw = session.local.camera;
    const want = this.prefs.background;
    const sender = pub?.has('camera') ? pub.sender('camera') : undefined;
    if (want !== 'none' && session.camOn && raw && raw.readyState === 'live' && !this.failed.bg) {
      if (!this.bg) {
        if (this.starting.bg) return;
        this.starting.bg = true;
        setText(this.status, t('effectsLoading'));
        try {
          this.bg = await BackgroundEffect.start(raw, want);
          setText(this.status, '');
          this.changed();
        } catch (err) {
          console.warn('visio: background effect', err);
          this.failed.bg = true;
          setText(this.status, t('effectsFailed'));
          return;
        } finally {
          this.starting.bg = false;
        }
        if (this.closed) return this.bg?.close();
      }
      this.bg.mode = want;
      this.bg.retarget(raw);
      if (sender && sender.track !== this.bg.track && session.camOn) {
        await pub?.setTrack('camera', this.bg.track);
        this.changed();
      }
      return;
    }
    if (this.bg) {
      if (sender && sender.track === this.bg.track) await pub?.setTrack('camera', session.camOn && raw ? raw : null);
      if (want === 'none') {
        this.bg.close();
        this.bg = null;
        this.changed();
      }
    }
  }

  private async reconcileMic(): Promise<void> {
    const { session } = this;
    const pub = session.publisher;
    const raw = session.local.mic;
    const sender = pub?.has('microphone') ? pub.sender('microphone') : undefined;
    if (this.prefs.noise && raw && raw.readyState === 'live' && !this.failed.ns) {
      if (this.ns && this.ns.source !== raw) {
        this.ns.close();
        this.ns = null;
      }
      if (!this.ns) {
        if (this.starting.ns) return;
        this.starting.ns = true;
        try {
          this.ns = await NoiseSuppression.start(raw);
        } catch (err) {
          console.warn('visio: noise suppression', err);
          this.failed.ns = true;
          setText(this.status, t('effectsNoiseFailed'));
          return;
        } finally {
          this.starting.ns = false;
        }
        if (this.closed) return this.ns?.close();
      }
      if (sender && session.micOn && sender.track !== this.ns.track) await pub?.setTrack('microphone', this.ns.track);
      return;
    }
    if (this.ns) {
      if (sender && sender.track === this.ns.track) await pub?.setTrack('microphone', session.micOn ? raw : null);
      this.ns.close();
      this.ns = null;
    }
  }

  /** Whether the microphone sent is the noise-suppressed one (diagnostics). */
  get noiseActive(): boolean {
    const sender = this.session.publisher?.sender('microphone');
    return !!this.ns && sender?.track === this.ns.track;
  }

  close(): void {
    this.closed = true;
    this.bg?.close();
    this.ns?.close();
    this.bg = null;
    this.ns = null;
  }
}
