// The controls bar: microphone, camera, screen share, copy link, leave.

import { h, icon, setAttr, type IconName } from '../dom';
import { t, type Key } from '../i18n';

export interface ControlsState {
  micOn: boolean;
  micAvailable: boolean;
  camOn: boolean;
  camAvailable: boolean;
  sharing: boolean;
  shareAvailable: boolean;
  connected: boolean;
}

export interface ControlsActions {
  toggleMic(): void;
  toggleCamera(): void;
  toggleShare(): void;
  copyLink(): void;
  leave(): void;
}

interface Button {
  el: HTMLButtonElement;
  label: HTMLElement;
}

function button(onClick: () => void, extra = ''): Button {
  const label = h('span', { class: 'control-label' });
  const el = h('button', { type: 'button', class: `control ${extra}`.trim(), onclick: onClick });
  el.append(label);
  return { el, label };
}

export class Controls {
  readonly el: HTMLElement;
  private readonly mic: Button;
  private readonly cam: Button;
  private readonly share: Button;
  private readonly copy: Button;
  private readonly leave: Button;

  constructor(actions: ControlsActions) {
    this.mic = button(() => actions.toggleMic());
    this.cam = button(() => actions.toggleCamera());
    this.share = button(() => actions.toggleShare());
    this.copy = button(() => actions.copyLink());
    this.leave = button(() => actions.leave(), 'control-leave');
    this.el = h('div', { class: 'controls', role: 'toolbar' }, this.mic.el, this.cam.el, this.share.el, this.copy.el, this.leave.el);
  }

  update(s: ControlsState): void {
    setAttr(this.el, 'aria-label', t('controlsLabel'));
    this.set(this.mic, s.micOn ? 'micOff' : 'micOn', s.micOn ? 'mic' : 'micOff', !s.micAvailable, !s.micOn);
    this.set(this.cam, s.camOn ? 'camOff' : 'camOn', s.camOn ? 'cam' : 'camOff', !s.camAvailable, !s.camOn);
    this.set(this.share, s.sharing ? 'shareStop' : 'shareStart', 'screen', !s.shareAvailable || !s.connected, s.sharing);
    this.share.el.hidden = !s.shareAvailable;
    this.set(this.copy, 'copyLink', 'link', false, false);
    this.set(this.leave, 'leave', 'leave', false, false);
  }

  private set(b: Button, key: Key, iconName: IconName, disabled: boolean, highlighted: boolean): void {
    const text = t(key);
    if (b.label.textContent !== text || b.el.dataset.icon !== iconName) {
      b.label.textContent = text;
      b.el.dataset.icon = iconName;
      b.el.replaceChildren(icon(iconName), b.label);
    }
    setAttr(b.el, 'title', text);
    b.el.disabled = disabled;
    b.el.classList.toggle('highlighted', highlighted);
  }
}
