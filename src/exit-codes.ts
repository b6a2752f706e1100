/** sysexits.h codes the doors use, so MTAs and shells know what to retry. */
export const EXIT = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  SOFTWARE: 70,
  TEMPFAIL: 75,
  CONFIG: 78,
} as const;
