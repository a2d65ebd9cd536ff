// One participant tile: video or initials, name, muted microphone and speaking indicators.

import { h, icon, setAttr, setText } from '../dom';

export interface TileInfo {
  key: string;
  /** Accessible and visible label, e.g. "Camille" or "Camille (vous)". */
  label: string;
  name: string;
  video: MediaStreamTrack | null;
  mirrored: boolean;
  micMuted: boolean;
  mutedLabel: string;
  speaking: boolean;
  speakingLabel: string;
  away: boolean;
  awayLabel: string;
  /** The pin button's label; no button without one. */
  pinLabel?: string;
  pinned?: boolean;
}

/** Initials of a display name ("Camille Martin" -> "CM"). */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((p) => Array.from(p ?? '')[0] ?? '').join('').toUpperCase() || '?';
}

/** A pin, drawn here (the shared icon set has none). */
function pinIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M16 3v2h-1v6l2 2v2h-4v6l-1 1-1-1v-6H7v-2l2-2V5H8V3z');
  svg.append(path);
  return svg;
}

/** Hue derived from the name so that avatars are told apart. */
function hue(name: string): number {
  let n = 0;
  for (const c of name) n = (n * 31 + c.charCodeAt(0)) % 360;
  return n;
}

export class Tile {
  readonly el: HTMLElement;
  private readonly video: HTMLVideoElement;
  private readonly avatar: HTMLElement;
  private readonly nameEl: HTMLElement;
  private readonly muted: HTMLElement;
  private readonly speakingEl: HTMLElement;
  private readonly awayEl: HTMLElement;
  private readonly pinButton: HTMLButtonElement;
  private track: MediaStreamTrack | null = null;
  /** Called when the pin button is pressed. */
  onPin: (() => void) | null = null;
  /** Called once, with performance.now(), when the first frame of a video is shown. */
  onFirstFrame: ((at: number) => void) | null = null;

  constructor(readonly key: string) {
    this.video = h('video', { autoplay: true, playsinline: true, class: 'tile-video' });
    this.video.muted = true;
    this.avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' });
    this.nameEl = h('span', { class: 'tile-name' });
    this.muted = h('span', { class: 'tile-muted', role: 'img' }, icon('micOff'));
    this.speakingEl = h('span', { class: 'sr-only' });
    this.awayEl = h('div', { class: 'tile-away' });
    this.pinButton = h('button', { type: 'button', class: 'tile-pin', hidden: true, 'aria-pressed': 'false' }, pinIcon());
    this.pinButton.addEventListener('click', () => this.onPin?.());
    this.el = h(
      'div',
      { class: 'tile', role: 'group', 'data-key': key },
      this.video,
      this.avatar,
      this.awayEl,
      this.pinButton,
      h('div', { class: 'tile-footer' }, this.muted, this.nameEl, this.speakingEl),
    );
    this.video.addEventListener('loadeddata', () => this.frameShown());
  }

  update(info: TileInfo): void {
    setAttr(this.el, 'aria-label', info.label);
    setText(this.nameEl, info.label);
    setText(this.avatar, initials(info.name));
    this.avatar.style.setProperty('--hue', String(hue(info.name)));
    if (info.video !== this.track) {
      this.track = info.video;
      this.video.srcObject = info.video ? new MediaStream([info.video]) : null;
      if (info.video) void this.video.play().catch(() => undefined);
    }
    const hasVideo = !!info.video;
    this.video.hidden = !hasVideo;
    this.avatar.hidden = hasVideo;
    this.video.classList.toggle('mirrored', info.mirrored);
    this.muted.hidden = !info.micMuted;
    setAttr(this.muted, 'aria-label', info.mutedLabel);
    this.el.classList.toggle('speaking', info.speaking && !info.micMuted);
    setText(this.speakingEl, info.speaking && !info.micMuted ? info.speakingLabel : '');
    this.awayEl.hidden = !info.away;
    setText(this.awayEl, info.awayLabel);
    this.el.classList.toggle('away', info.away);
    this.pinButton.hidden = !info.pinLabel;
    setAttr(this.pinButton, 'aria-label', info.pinLabel ?? null);
    setAttr(this.pinButton, 'title', info.pinLabel ?? null);
    setAttr(this.pinButton, 'aria-pressed', String(!!info.pinned));
    this.el.classList.toggle('pinned', !!info.pinned);
  }

  private frameShown(): void {
    if (!this.onFirstFrame) return;
    const fn = this.onFirstFrame;
    this.onFirstFrame = null;
    const v = this.video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number };
    if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(() => fn(performance.now()));
    else fn(performance.now());
  }

  destroy(): void {
    this.video.srcObject = null;
    this.el.remove();
  }
}
