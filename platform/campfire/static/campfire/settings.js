// Per-browser editor settings (line numbers, the contents panel) in localStorage, which may be
// unavailable (privacy modes, sandboxing): settings then last for the page.
export function readSetting(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeSetting(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    /* not persisted */
  }
}
