/**
 * localStorage that never throws: blocked storage (privacy modes, sandboxed iframes, a full
 * quota) reads as empty and refuses writes, and callers keep working from memory.
 */
const store = (): Storage | null => {
  try {
    return localStorage;
  } catch {
    return null;
  }
};

export const tryGetItem = (key: string): string | null => {
  try {
    return store()!.getItem(key);
  } catch {
    return null;
  }
};

/** Writes `value`, or removes the key when `value` is null; false when storage refused. */
export const trySetItem = (key: string, value: string | null): boolean => {
  try {
    if (value == null) store()!.removeItem(key);
    else store()!.setItem(key, value);
    return true;
  } catch {
    return false;
  }
};

/** Every key in storage; none when it is blocked. */
export const tryKeys = (): string[] => {
  try {
    return Object.keys(store()!);
  } catch {
    return [];
  }
};

/** Parsed JSON of `key`, or undefined when missing or unreadable. */
export const tryGetJSON = <T>(key: string): T | undefined => {
  try {
    return JSON.parse(tryGetItem(key)!) ?? undefined;
  } catch {
    return undefined;
  }
};
