/** Placeholder until the form scanner lands: captures nothing. */
export interface FormScanner {
  /** `false` turns scanning off, `true` scans every form, a string restricts it to those CSS selectors. */
  _setScope(scope: unknown): void;
}

export function startFormScanner(onEmail: (email: string) => void): FormScanner {
  void onEmail;
  return { _setScope() {} };
}
