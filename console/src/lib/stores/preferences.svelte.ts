/** Per-browser preferences, kept in localStorage. */
const SOUND_KEY = 'cc.console.offerSound';

const stored = (): boolean => {
  try {
    return localStorage.getItem(SOUND_KEY) !== 'off';
  } catch {
    return true;
  }
};

let sound = $state(stored());

export const preferences = {
  get sound(): boolean {
    return sound;
  },
  set sound(on: boolean) {
    sound = on;
    try {
      localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
    } catch {
      // Private mode without storage: the choice lasts for this page only.
    }
  },
};
