/** An error the CLI reports as one line, without a stack trace. */
export class CliError extends Error {}
