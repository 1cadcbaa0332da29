/** Process exit codes of the `mlops` command. */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** Something failed (storage, a server, a bug). */
  Failure: 1,
  /** Bad usage: unknown flag or command, missing file, unreadable data, bad value. */
  Usage: 2,
  /** The checked condition was met: drift detected, budget exceeded, gate refused. For CI gates. */
  ConditionMet: 3,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
