// Quoting for the POSIX shell that runs every command Berth sends to a target.

/** Quotes a string for a POSIX shell. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

