/**
 * localStorage that never throws: blocked storage (privacy modes, sandboxed iframes, a full
 * quota) reads as empty and refuses writes, and callers keep working from memory.
 */
let store: Storage | undefined;
try {
  store = localStorage; // throws when blocked
} catch {
  // memory only
}

/** Writes `value`, or removes the key when `value` is null. Storage that refuses is ignored. */
export const trySetItem = (key: string, value: string | null): void => {
  try {
    if (value == null) store!.removeItem(key);
    else store!.setItem(key, value);
  } catch {
    // full or blocked: memory keeps the data
  }
};

/** Every key in storage; none when it is blocked. */
export const tryKeys = (): string[] => Object.keys(store || {});

/** Parsed JSON of `key`, or undefined when missing or unreadable. */
export const tryGetJSON = <T>(key: string): T | undefined => {
  try {
    return JSON.parse(store!.getItem(key)!) || undefined;
  } catch {
    return undefined;
  }
};
