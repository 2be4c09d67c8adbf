/** The metadata database could not be opened or migrated; the message says why. */
export class DatabaseOpenError extends Error {}
