/**
 * Expected outcomes in core/ are values, never throws: a function that can refuse its input
 * returns a Result whose error names a stable code, the offending field and a reason.
 */
export interface CoreError {
  /** Stable, SCREAMING_SNAKE code (e.g. `TERM_OUT_OF_RANGE`); callers switch on it. */
  readonly code: string;
  /** The input field at fault, when there is one (e.g. `termMonths`). */
  readonly field?: string;
  /** English explanation for logs and API clients. */
  readonly message: string;
  /** Simplified Chinese explanation a borrower can read, when the error may reach one. */
  readonly messageZh?: string;
}

export type Result<T, E = CoreError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

export const err = <E = CoreError>(error: E): { readonly ok: false; readonly error: E } => ({ ok: false, error });

export const coreError = (code: string, message: string, field?: string, messageZh?: string): CoreError => ({
  code,
  message,
  ...(field === undefined ? {} : { field }),
  ...(messageZh === undefined ? {} : { messageZh }),
});
