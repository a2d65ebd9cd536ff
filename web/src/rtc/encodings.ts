// How each source is encoded: the camera in simulcast (three layers), the screen as one
// high-resolution layer (docs/protocol.md, "Simulcast, layers and large rooms").

import type { Source } from './protocol';

/** The camera's simulcast layers, lowest first. */
export const cameraLayers: readonly RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/** The RIDs of the camera layers, as declared in the offer. */
export const cameraRids: readonly string[] = cameraLayers.map((e) => e.rid ?? '');

const full = cameraLayers[cameraLayers.length - 1];

/** A shared screen: text must stay sharp, so resolution is kept and frame rate gives way. */
const screenEncoding: RTCRtpEncodingParameters = { maxBitrate: 2_500_000, maxFramerate: 15 };

/** sendEncodings for a new transceiver of source. */
export function encodingsFor(source: Source): RTCRtpEncodingParameters[] | undefined {
  if (source === 'camera') return cameraLayers.map((e) => ({ ...e }));
  if (source === 'screen') return [{ ...screenEncoding }];
  return undefined;
}

type SendParameters = RTCRtpSendParameters & { degradationPreference?: string };

/**
 * Brings a sender's parameters in line with what was negotiated and what the server wants:
 * - when the answer refused simulcast, the browser keeps only the first (quarter-size) encoding:
 *   send that one at full size instead;
 * - a screen keeps its resolution under constraint;
 * - simulcast layers not in active are paused (active null: all layers on).
 */
export async function tune(sender: RTCRtpSender, source: Source, active: readonly string[] | null): Promise<void> {
  const params = sender.getParameters() as SendParameters;
  const encodings = params.encodings ?? [];
  let changed = false;
  if (source === 'camera' && encodings.length === 1 && full) {
    const e = encodings[0];
    if (e && (e.scaleResolutionDownBy ?? 1) !== 1) {
      e.scaleResolutionDownBy = 1;
      e.maxBitrate = full.maxBitrate;
      changed = true;
    }
  }
  if (source === 'screen' && params.degradationPreference !== 'maintain-resolution') {
    params.degradationPreference = 'maintain-resolution';
    changed = true;
  }
  if (encodings.length > 1) {
    for (const e of encodings) {
      const want = active === null || (e.rid !== undefined && active.includes(e.rid));
      if (e.active !== want) {
        e.active = want;
        changed = true;
      }
    }
  }
  if (changed) await sender.setParameters(params);
}
