// Whether the microphone and the camera are on, remembered between meetings: someone who
// muted themselves comes back muted.

export interface OnOff {
  micOn: boolean;
  camOn: boolean;
}

const key = 'visio.onoff';

export function loadOnOff(): OnOff {
  try {
    const raw = JSON.parse(localStorage.getItem(key) ?? '{}') as Partial<OnOff>;
    return { micOn: raw.micOn !== false, camOn: raw.camOn !== false };
  } catch {
    return { micOn: true, camOn: true };
  }
}

export function saveOnOff(change: Partial<OnOff>): void {
  try {
    localStorage.setItem(key, JSON.stringify({ ...loadOnOff(), ...change }));
  } catch {
    // not remembered
  }
}
