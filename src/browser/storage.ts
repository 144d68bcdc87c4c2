/**
 * localStorage that never throws: blocked storage (privacy modes, sandboxed iframes, a full
 * quota) reads as empty and refuses writes, and callers keep working from memory. `localStorage`
 * is looked up on first use, not when the script loads: in Chromium that first lookup asks the
 * browser process for permission synchronously, and a returning visitor's boot needs no storage.
 */

/** Writes `value`, or removes the key when `value` is null. Storage that refuses is ignored. */
export const trySetItem = (key: string, value: string | null): void => {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // full or blocked: memory keeps the data
  }
};

/** Every key in storage; none when it is blocked. */
export const tryKeys = (): string[] => {
  try {
    return Object.keys(localStorage);
  } catch {
    return [];
  }
};

/** Parsed JSON of `key`; null or undefined when missing or unreadable. */
export const tryGetJSON = <T>(key: string): T | null | undefined => {
  try {
    return JSON.parse(localStorage.getItem(key)!);
  } catch {
    return undefined;
  }
};
