/** Comparison of secrets in time that does not depend on where, or whether, they differ. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Equal strings; hashing first evens out the lengths, so the time tells nothing about them either. */
export const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
