// Where `berth runtime` reports errors and warnings. A person reads stderr: one plain line each. A client
// that passes --log FILE (containerd always, podman for runtimes it knows to write JSON) reads the file,
// and takes the last "error" entry as the reason a call failed: there each entry is written exactly as
// runc writes it through logrus, in its text or JSON format, appended with O_APPEND.
//   text: time="2026-12-07T21:13:34Z" level=error msg="container does not exist"
//   json: {"level":"error","msg":"container does not exist","time":"2026-12-07T21:13:34Z"}
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { writeErr } from './output';

export type LogFormat = 'text' | 'json';
type Level = 'error' | 'warning' | 'debug';

export class RuntimeLog {
  private fd: number | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly format: LogFormat,
    private readonly debugEnabled = false,
  ) {}

  error(message: string): void {
    writeErr(`berth: ${message}\n`);
    this.append('error', message);
  }

  warn(message: string): void {
    writeErr(`berth: warning: ${message}\n`);
    this.append('warning', message);
  }

  /** --debug: to the log file only (runc's debug lines go there too). */
  debug(message: string): void {
    if (this.debugEnabled) this.append('debug', message);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(level: Level, message: string): void {
    if (this.file === undefined) return;
    try {
      // runc opens it O_CREATE|O_WRONLY|O_APPEND|O_SYNC, 0644, at start; opened here on first use, so
      // that a call that logs nothing leaves no empty file (runc's logrus creates it either way).
      this.fd ??= openSync(this.file, constants.O_CREAT | constants.O_WRONLY | constants.O_APPEND | constants.O_SYNC, 0o644);
      writeSync(this.fd, formatEntry(this.format, level, message, new Date()));
    } catch (error) {
      writeErr(`berth: cannot write the log ${this.file}: ${(error as Error).message}\n`);
    }
  }
}

/** One logrus entry: the text formatter's key=value line, or the JSON formatter's object (keys sorted). */
export function formatEntry(format: LogFormat, level: Level, message: string, when: Date): string {
  const time = rfc3339(when);
  if (format === 'json') return `${goJson({ level, msg: message, time })}\n`;
  return `time=${quoteIfNeeded(time)} level=${level} msg=${quoteIfNeeded(message)}\n`;
}

/** Go's time.RFC3339 in local time: seconds, and Z or the offset. */
export function rfc3339(when: Date): string {
  const offsetMinutes = -when.getTimezoneOffset();
  const local = new Date(when.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** encoding/json with SetEscapeHTML(true), as logrus's JSON formatter encodes: <, > and & escaped. */
function goJson(value: object): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** logrus quotes a value (with Go's %q) unless every character is a letter, digit or one of -._/@^+. */
function quoteIfNeeded(value: string): string {
  if (value !== '' && /^[A-Za-z0-9\-._/@^+]+$/.test(value)) return value;
  return goQuote(value);
}

/** Go's strconv.Quote: \a \b \f \n \r \t \v \\ \" escaped, other control characters as \xNN. */
function goQuote(value: string): string {
  const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' };
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (named[c]) out += named[c];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}
