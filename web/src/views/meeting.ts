// The meeting: status banner, stage for a shared screen, tile grid, controls.

import { h, setAttr, setText } from '../dom';
import { byeText, errorText, onLangChange, t } from '../i18n';
import { installDiagnostics, timings } from '../diagnostics';
import { LevelMeter } from '../media/level';
import { saveOnOff } from '../media/onoff';
import { AudioSinks } from '../meeting/audio';
import { Controls } from '../meeting/controls';
import { GridLayout } from '../meeting/layout';
import { Pager } from '../meeting/pager';
import { SubscriptionReporter } from '../meeting/subscriptions';
import { Tile, type TileInfo } from '../meeting/tile';
import { TranscriptionUI } from '../meeting/transcription';
import { RecordingUI } from '../meeting/recording';
import { AccessUi } from '../meeting/access-ui';
import { MeetingExtras } from '../meeting/extras';
import { HandsUI } from '../meeting/hands';
import { BreakoutUI } from '../meeting/breakout';
import { ChatUI } from '../meeting/chat';
import { fitToolbar } from '../meeting/toolbar-fit';
import { Effects } from '../meeting/effects-ui';
import { Session, type ConnState } from '../rtc/session';
import { MediaCheck } from '../meeting/media-check';
import { announce, focusHeading, navigate } from '../shell';
import type { JoinChoice } from './prejoin';

const speakingThreshold = 0.04;
const speakingHoldMs = 600;

function reasonText(s: ConnState): string {
  if (s.kind === 'failed') {
    if (s.reason === 'unreachable') return t('connectionFailed', { reason: t('reasonUnreachable') });
    if (s.reason === 'media') return t('connectionFailed', { reason: t('reasonMedia') });
    return t('connectionFailed', { reason: errorText(s.reason) });
  }
  if (s.kind === 'ended') return t('ended', { reason: byeText(s.reason) });
  if (s.kind === 'connecting') return t('connecting');
  if (s.kind === 'reconnecting') return t('reconnecting');
  return '';
}

export function renderMeeting(main: HTMLElement, code: string, choice: JoinChoice, onLeft: () => void): () => void {
  const { local } = choice;
  const heading = h('h1', { class: 'sr-only' });
  const statusText = h('p', { role: 'status', class: 'banner-text' });
  const retryButton = h('button', { type: 'button', class: 'btn btn-secondary btn-small', hidden: true });
  const homeLink = h('a', { href: '/', class: 'btn btn-secondary btn-small', hidden: true });
  const banner = h('div', { class: 'banner' }, statusText, retryButton, homeLink);
  const stageVideo = h('video', { autoplay: true, playsinline: true, class: 'stage-video' });
  stageVideo.muted = true;
  const stageLabel = h('p', { class: 'stage-label' });
  const stage = h('section', { class: 'stage', hidden: true }, stageVideo, stageLabel);
  const tilesEl = h('div', { class: 'tiles', role: 'list' });
  const toast = h('div', { class: 'toast', hidden: true, 'aria-hidden': 'true' });
  const area = h('div', { class: 'meeting-area' }, stage, tilesEl);
  const sinks = new AudioSinks(local.prefs.speakerId);
  const layout = new GridLayout(area, () => schedule());
  const pager = new Pager(() => schedule());

  const tiles = new Map<string, Tile>();
  const speakingUntil = new Map<string, number>();
  let selfMeter = local.mic ? new LevelMeter(local.mic) : null;
  let stageTrack: MediaStreamTrack | null = null;
  let scheduled = false;

  const session = new Session(code, choice.name, local, { micOn: choice.micOn, camOn: choice.camOn }, {
    change: () => schedule(),
    presence: (kind, name) => announce(t(kind === 'joined' ? 'joined' : 'left', { name: name || t('someone') })),
    welcome: () => reporter.resendAll(),
    message: (m) => {
      access.handle(m);
      transcription.onMessage(m);
      recording.onMessage(m);
      hands.onMessage(m);
      breakout.onMessage(m);
      chat.onMessage(m);
      if (m.type === 'error' && m.code === 'state_lost') showToast(t('stateLost'));
    },
  });
  session.tokens = choice.tokens ?? null;
  const access = new AccessUi({ session, change: () => schedule(), notify: (text) => showToast(text), outcome: (o) => choice.onOutcome?.(o) });
  const transcription = new TranscriptionUI((m) => session.send(m), (text) => showToast(text));
  transcription.moderator = () => access.state.canModerate;
  const recording = new RecordingUI((m) => session.send(m), (text) => showToast(text));
  const hands = new HandsUI({
    send: (m) => session.send(m),
    selfId: () => session.selfId,
    canModerate: () => access.state.canModerate,
    notify: (text) => showToast(text),
    changed: () => schedule(),
  });
  const breakout = new BreakoutUI({
    session,
    send: (m) => session.send(m),
    canModerate: () => access.state.canModerate,
    notify: (text) => showToast(text),
    changed: () => schedule(),
  });
  const chat = new ChatUI({
    send: (m) => session.send(m),
    selfId: () => session.selfId,
    participants: () => session.participants.values(),
    opened: () => {
      if (!access.panel.el.hidden) access.togglePanel(false);
    },
    toolbar: () => controls.el,
    canModerate: () => access.state.canModerate,
    notify: (text) => showToast(text),
  });
  // Opening the participants panel closes the chat: they take the same place.
  const panelWatch = new MutationObserver(() => {
    if (!access.panel.el.hidden) chat.setOpen(false, false);
  });
  panelWatch.observe(access.panel.el, { attributes: true, attributeFilter: ['hidden'] });
  const reporter = new SubscriptionReporter((tracks) => session.subscribe(tracks));
  timings.firstRemoteFrameMs = null;
  installDiagnostics(() => session, () => ({ page: pager.position(), subscriptions: reporter.snapshot(), effects: { frameMs: effects.frameMs, composed: effects.composed, noise: effects.noiseActive } }));

  const effects = new Effects(session, () => schedule());
  const toggleMic = () => {
    saveOnOff({ micOn: !session.micOn });
    void session.setMic(!session.micOn).then(() => effects.reconcile());
  };
  const toggleCamera = () => {
    saveOnOff({ camOn: !session.camOn });
    void session
      .setCamera(!session.camOn)
      .then(() => effects.reconcile())
      .catch((err) => console.warn('visio: camera', err))
      .finally(schedule);
  };
  const extras = new MeetingExtras({
    session, sinks, code, roomName: choice.room?.name ?? '', role: choice.room?.role ?? '', toggleMic, toggleCamera, toggleHand: () => hands.toggle(), toggleChat: () => chat.toggle(),
    micChanged: (track) => {
      selfMeter?.close();
      selfMeter = new LevelMeter(track);
    },
    notify: (text) => showToast(text),
    changed: () => schedule(),
    devicesExtra: effects.el,
  });
  const controls = new Controls({
    toggleMic,
    toggleCamera,
    toggleShare: () => {
      if (session.screen) void session.stopScreen();
      else
        session.startScreen().catch((err: unknown) => {
          if (err instanceof DOMException && err.name === 'NotAllowedError') return; // the user cancelled
          showToast(t('shareFailed'));
        });
    },
    copyLink: () => void copyLink(),
    leave: () => {
      session.leave();
      local.stopAll();
      onLeft();
    },
  });

  retryButton.addEventListener('click', () => session.retry());
  homeLink.addEventListener('click', (ev) => {
    ev.preventDefault();
    session.leave();
    local.stopAll();
    navigate('/');
  });

  let toastTimer = 0;
  function showToast(text: string): void {
    setText(toast, text);
    toast.hidden = false;
    announce(text);
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => (toast.hidden = true), 3000);
  }

  async function copyLink(): Promise<void> {
    const url = `${location.origin}/${code}`;
    try {
      await navigator.clipboard.writeText(url);
      showToast(t('linkCopied'));
    } catch {
      const ta = h('textarea', { class: 'sr-only', readonly: true });
      ta.value = url;
      document.body.append(ta);
      ta.select();
      const ok = document.execCommand('copy');
      ta.remove();
      showToast(ok ? t('linkCopied') : t('copyFailed', { url }));
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      render();
    });
  }

  function isSpeaking(key: string, level: number, now: number): boolean {
    if (level > speakingThreshold) speakingUntil.set(key, now + speakingHoldMs);
    return (speakingUntil.get(key) ?? 0) > now;
  }

  function tileInfos(now: number): TileInfo[] {
    const common = { mutedLabel: t('micMuted'), speakingLabel: t('speaking'), awayLabel: t('away') };
    const selfLevel = selfMeter && session.micOn ? selfMeter.level() : 0;
    // The server's list of speakers counts everyone, also those whose audio it does not forward
    // to us; our own level measurements are the fallback (and cover the time before a list).
    const heard = new Set((session.speakers ?? []).map((sp) => sp.participant_id));
    const infos: TileInfo[] = [
      {
        ...common,
        key: 'self',
        label: t('you', { name: choice.name }),
        name: choice.name,
        video: session.camOn ? (effects.camera ?? local.camera) : null,
        mirrored: true,
        micMuted: !session.micOn,
        speaking: isSpeaking('self', selfLevel, now) || (session.micOn && heard.has(session.selfId)),
        away: false,
      },
    ];
    for (const p of session.participants.values()) {
      const cam = session.remoteFor(p, 'camera');
      const mic = session.remoteFor(p, 'microphone');
      const level = mic?.remote && !mic.info.muted ? (peaks.get(p.id) ?? 0) : 0;
      peaks.delete(p.id);
      infos.push({
        ...common,
        key: p.id,
        label: p.name,
        name: p.name,
        video: cam && !cam.info.muted && cam.remote ? cam.remote.track : null,
        mirrored: false,
        pinLabel: t(extras.pinned === p.id ? 'unpinName' : 'pinName', { name: p.name }),
        pinned: extras.pinned === p.id,
        micMuted: !mic || mic.info.muted,
        speaking: isSpeaking(p.id, level, now) || heard.has(p.id),
        away: p.state === 'away',
      });
    }
    return infos;
  }

  /** Shows a shared screen on the stage; returns the server id of the remote screen shown. */
  function renderStage(): string | null {
    let track: MediaStreamTrack | null = null;
    let owner = '';
    let shownId: string | null = null;
    for (const p of session.participants.values()) {
      const scr = session.remoteFor(p, 'screen');
      if (scr?.remote && !scr.info.muted) {
        track = scr.remote.track;
        owner = p.name;
        shownId = scr.info.id;
        break;
      }
    }
    if (!track && session.screen) {
      track = session.screen;
      owner = '';
    }
    let pinnedName = '';
    const pinned = extras.pinned ? session.participants.get(extras.pinned) : undefined;
    const pinnedCam = !track && pinned ? session.remoteFor(pinned, 'camera') : undefined;
    if (pinned && pinnedCam?.remote && !pinnedCam.info.muted) {
      track = pinnedCam.remote.track;
      pinnedName = pinned.name;
      shownId = pinnedCam.info.id;
    }
    if (track !== stageTrack) {
      stageTrack = track;
      stageVideo.srcObject = track ? new MediaStream([track]) : null;
      if (track) void stageVideo.play().catch(() => undefined);
    }
    stage.hidden = !track;
    const label = !track ? '' : pinnedName ? t('pinnedLabel', { name: pinnedName }) : owner ? t('stageLabel', { name: owner }) : t('ownShareLabel');
    setAttr(stage, 'aria-label', track ? label : null);
    setText(stageLabel, label);
    area.classList.toggle('with-stage', !!track);
    return shownId;
  }

  /** Reports to the server where each remote video track is shown. */
  function reportSubscriptions(screenId: string | null): void {
    const shown = new Map<string, HTMLElement | null>();
    for (const p of session.participants.values()) {
      for (const tr of p.tracks) {
        if (tr.kind !== 'video') continue;
        if (tr.source === 'camera') shown.set(tr.id, tr.id === screenId ? stageVideo : (tiles.get(p.id)?.el ?? null));
        else shown.set(tr.id, tr.id === screenId ? stageVideo : null);
      }
    }
    reporter.sync(shown);
  }

  function render(): void {
    const now = performance.now();
    const s = session.state;
    access.update();
    extras.keepPin((key) => session.participants.has(key));
    effects.paint();
    if (s.kind === 'connected') void effects.reconcile();
    setText(heading, t('prejoinMeeting', { code }));
    setText(statusText, reasonText(s));
    banner.dataset.state = s.kind;
    banner.hidden = s.kind === 'connected';
    retryButton.hidden = !(s.kind === 'failed' || (s.kind === 'ended' && s.reason !== 'replaced'));
    setText(retryButton, t('retry'));
    homeLink.hidden = !(s.kind === 'failed' || s.kind === 'ended');
    setText(homeLink, t('homeLink'));
    setAttr(tilesEl, 'aria-label', t('participantsLabel'));

    const screenId = renderStage();
    const all = tileInfos(now);
    const byKey = new Map(all.map((i) => [i.key, i]));
    // Speakers by the server's list; before one arrives, by the levels we measure.
    const speakerIds = session.speakers
      ? session.speakers.map((sp) => sp.participant_id)
      : all.filter((i) => i.key !== 'self' && i.speaking).map((i) => i.key);
    const pageKeys = pager.arrange('self', all.slice(1).map((i) => i.key), speakerIds, layout.pageSize(), now);
    const infos = pageKeys.map((k) => byKey.get(k)).filter((i): i is TileInfo => !!i);
    const keep = new Set(pageKeys);
    for (const [key, tile] of tiles) {
      if (!keep.has(key)) {
        tile.destroy();
        tiles.delete(key);
      }
    }
    infos.forEach((info, index) => {
      let tile = tiles.get(info.key);
      if (!tile) {
        tile = new Tile(info.key);
        tile.el.setAttribute('role', 'listitem');
        tiles.set(info.key, tile);
        if (info.key !== 'self') {
          tile.onPin = () => extras.togglePin(info.key);
          tile.onFirstFrame = (at) => {
            timings.firstRemoteFrameMs ??= Math.round(at);
          };
        }
      }
      tile.update(info);
      if (tilesEl.children[index] !== tile.el) tilesEl.insertBefore(tile.el, tilesEl.children[index] ?? null);
    });
    tilesEl.dataset.count = String(infos.length);
    layout.setCount(infos.length);
    layout.refresh();
    hands.decorate(tiles, access.panel.el);
    breakout.paint();
    chat.paint();
    reportSubscriptions(screenId);

    controls.update({
      micOn: session.micOn,
      micAvailable: !!local.mic,
      camOn: session.camOn,
      camAvailable: local.problem === null || !!local.camera,
      sharing: !!session.screen,
      shareAvailable: !!navigator.mediaDevices && 'getDisplayMedia' in navigator.mediaDevices,
      connected: s.kind === 'connected',
    });
    sinks.sync(session.subscriber?.remote.values() ?? []);
    document.title = `${t('prejoinMeeting', { code })} · ${t('productName')}`;
  }

  // Speaking indicators follow audio levels about five times a second. Levels are sampled more
  // often and the peak kept, so that a short sound between two renders is not missed (the audio
  // level of a receiver is that of its last packet, 20 ms of sound).
  const peaks = new Map<string, number>();
  const sampler = window.setInterval(() => {
    for (const p of session.participants.values()) {
      const mic = session.remoteFor(p, 'microphone');
      if (!mic?.remote || mic.info.muted) continue;
      const level = mic.remote.receiver.getSynchronizationSources()[0]?.audioLevel ?? 0;
      if (level > (peaks.get(p.id) ?? 0)) peaks.set(p.id, level);
    }
  }, 40);
  const poll = window.setInterval(render, 200);
  const mediaCheck = new MediaCheck(session);
  const mediaPoll = window.setInterval(() => mediaCheck.update(), 1000);
  const offLang = onLangChange(() => {
    hands.paint();
    render();
    mediaCheck.paint();
  });

  controls.el.lastElementChild?.before(...transcription.controls, ...recording.controls);
  access.lobby.el.append(recording.lobbyNotice);
  access.mountButton(controls.el);
  controls.el.insertBefore(extras.button, controls.el.lastElementChild);
  controls.el.insertBefore(hands.handButton, controls.el.children[3] ?? null);
  controls.el.insertBefore(hands.reactButton, hands.handButton.nextSibling);
  controls.el.insertBefore(breakout.button, controls.el.lastElementChild);
  controls.el.insertBefore(chat.button, extras.button);
  main.replaceChildren(h('div', { class: 'meeting' }, heading, banner, breakout.banner, breakout.alert, mediaCheck.el, recording.indicator, transcription.indicator, area, transcription.captions, pager.el, controls.el, toast, sinks.el, access.panel.el, access.alert, ...extras.elements, hands.menu, breakout.panel, chat.panel, chat.live), access.lobby.el, access.confirm.el);
  const stopFit = fitToolbar(controls.el);
  session.start();
  render();
  focusHeading(main);

  const onUnload = () => session.leave();
  window.addEventListener('pagehide', onUnload);

  return () => {
    window.removeEventListener('pagehide', onUnload);
    window.clearInterval(poll);
    window.clearInterval(mediaPoll);
    window.clearInterval(sampler);
    window.clearTimeout(toastTimer);
    offLang();
    if (session.state.kind !== 'left') {
      session.leave();
      local.stopAll();
    }
    selfMeter?.close();
    transcription.close();
    recording.close();
    access.close();
    extras.close();
    hands.close();
    breakout.close();
    chat.close();
    stopFit();
    panelWatch.disconnect();
    effects.close();
    layout.close();
    reporter.close();
    sinks.close();
    for (const tile of tiles.values()) tile.destroy();
    delete window.visio;
  };
}
