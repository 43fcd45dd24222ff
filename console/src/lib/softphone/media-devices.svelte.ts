/**
 * The agent's microphone, speaker and camera choice (kept in localStorage), the devices the browser
 * lists, and a test tone on the chosen speaker. Labels are only listed once the page has had a
 * microphone grant, so the list is read again after going Online.
 */
const KEY = 'cc.softphone.devices';

export interface DeviceChoice {
  microphoneId: string;
  speakerId: string;
  cameraId: string;
}

interface Listed {
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
  cameras: MediaDeviceInfo[];
}

const load = (): DeviceChoice => {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<DeviceChoice> | null;
    return { microphoneId: stored?.microphoneId ?? '', speakerId: stored?.speakerId ?? '', cameraId: stored?.cameraId ?? '' };
  } catch {
    return { microphoneId: '', speakerId: '', cameraId: '' };
  }
};

const choice = $state<DeviceChoice>(load());
const listed = $state<Listed>({ microphones: [], speakers: [], cameras: [] });

/** Chromium's `setSinkId` (an audio element's output device); not in every browser. */
type SinkAware = { setSinkId?: (sinkId: string) => Promise<void> };

export const speakerChoiceSupported = (): boolean => typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/** Sends an audio element to the chosen speaker where the browser allows it. */
export const routeToSpeaker = async (element: HTMLMediaElement | AudioContext, speakerId: string): Promise<void> => {
  const sink = element as unknown as SinkAware;
  if (speakerId === '' || sink.setSinkId === undefined) return;
  try {
    await sink.setSinkId(speakerId);
  } catch {
    // The device went away: the default output plays it.
  }
};

export const devices = {
  get choice(): DeviceChoice {
    return choice;
  },
  get microphones() {
    return listed.microphones;
  },
  get speakers() {
    return listed.speakers;
  },
  get cameras() {
    return listed.cameras;
  },
  choose(patch: Partial<DeviceChoice>): void {
    Object.assign(choice, patch);
    try {
      localStorage.setItem(KEY, JSON.stringify(choice));
    } catch {
      // No storage: the choice lasts for this page.
    }
  },
  async refresh(): Promise<void> {
    if (typeof navigator === 'undefined' || navigator.mediaDevices?.enumerateDevices === undefined) return;
    // Before any microphone grant the browser lists nameless devices with an empty id: choosing one
    // would mean "System default" again, so they are left out until the page may see them.
    const all = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.deviceId !== '');
    listed.microphones = all.filter((d) => d.kind === 'audioinput');
    listed.speakers = all.filter((d) => d.kind === 'audiooutput');
    listed.cameras = all.filter((d) => d.kind === 'videoinput');
  },
  /** Constraints for the chosen microphone (and camera when asked). */
  constraints(video: boolean): MediaStreamConstraints {
    const audio: MediaTrackConstraints | boolean = choice.microphoneId === '' ? true : { deviceId: { exact: choice.microphoneId } };
    const camera: MediaTrackConstraints | boolean = choice.cameraId === '' ? true : { deviceId: { exact: choice.cameraId } };
    return { audio, video: video ? camera : false };
  },
  /**
   * One second of 440 Hz on the chosen speaker, so the agent hears where calls will play. `playing`
   * runs once the tone sounds; a browser that refuses to play it throws, so the agent is told.
   */
  async testTone(playing: () => void = () => {}): Promise<void> {
    const context = new AudioContext();
    const destination = context.createMediaStreamDestination();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 440;
    gain.gain.value = 0.2;
    oscillator.connect(gain).connect(destination);
    const element = new Audio();
    element.srcObject = destination.stream;
    await routeToSpeaker(element, choice.speakerId);
    oscillator.start();
    try {
      await element.play();
      playing();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      oscillator.stop();
      element.pause();
      element.srcObject = null;
      await context.close();
    }
  },
};
