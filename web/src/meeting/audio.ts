// One <audio autoplay> element per remote audio track, routed to the chosen speaker.

import { h } from '../dom';
import { applySink } from '../media/local';
import type { RemoteTrack } from '../rtc/subscriber';

export class AudioSinks {
  readonly el = h('div', { class: 'audio-sinks', hidden: true });
  private readonly elements = new Map<string, { audio: HTMLAudioElement; track: MediaStreamTrack }>();

  constructor(private speakerId: string) {}

  sync(remote: Iterable<RemoteTrack>): void {
    const seen = new Set<string>();
    for (const r of remote) {
      if (r.track.kind !== 'audio') continue;
      seen.add(r.id);
      const current = this.elements.get(r.id);
      if (current?.track === r.track) continue;
      current?.audio.remove();
      const audio = h('audio', { autoplay: true, 'data-track': r.id });
      audio.srcObject = new MediaStream([r.track]);
      if (this.speakerId) applySink(audio, this.speakerId);
      this.el.append(audio);
      void audio.play().catch(() => undefined);
      this.elements.set(r.id, { audio, track: r.track });
    }
    for (const [id, e] of this.elements) {
      if (seen.has(id)) continue;
      e.audio.srcObject = null;
      e.audio.remove();
      this.elements.delete(id);
    }
  }

  setSpeaker(id: string): void {
    this.speakerId = id;
    for (const e of this.elements.values()) applySink(e.audio, id);
  }

  close(): void {
    this.sync([]);
  }
}
