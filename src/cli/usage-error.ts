/** A command-line mistake (a flag, or the --config file's key it stands for): one line on stderr, exit 2. */
export class UsageError extends Error {}
