/** sysexits.h codes the doors use, so MTAs and shells know what to retry. */
export const EXIT = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  /** A service the configuration names does not answer as it should (`postdesk check`). */
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  TEMPFAIL: 75,
  CONFIG: 78,
} as const;
