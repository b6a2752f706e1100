/** The one "give up after N ms" of the code base: sender authentication, its DNS look-ups, `postdesk check`. */

/**
 * `work`, or a rejection with `timeoutError()` when it has not settled within `ms`. The work itself
 * is not cancelled (callers whose work holds resources close them themselves); the timer is
 * cleared either way, so it never keeps the process alive.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
