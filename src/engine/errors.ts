/** What the engine throws; each message names the backup (and block) it is about. */
export class EngineError extends Error {}

export class BackupNotFoundError extends EngineError {
  constructor(readonly backupId: string) {
    super(`backup ${backupId} has no manifest in the store`);
  }
}

export class BackupExistsError extends EngineError {
  constructor(readonly backupId: string) {
    super(`backup ${backupId} already exists in the store`);
  }
}

export class BackupFailedError extends EngineError {
  constructor(
    readonly backupId: string,
    reason: string,
    override readonly cause?: unknown,
  ) {
    super(`backup ${backupId} failed: ${reason}`);
  }
}

/** A block of a backup is missing or does not match its digest. */
export class CorruptBackupError extends EngineError {
  constructor(
    readonly backupId: string,
    readonly problems: string[],
    context = '',
  ) {
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    super(`backup ${backupId} is damaged: ${shown}${more}${context}`);
  }
}
