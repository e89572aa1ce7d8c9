import { join, resolve } from 'node:path';
import { lastRecord, tailStart, type FilePosition } from './backwardLines';
import { ChangeWaiter } from './changeWaiter';
import { ForwardLines } from './forwardLines';
import { CURRENT_LOG, inodeOf, openLogFiles, openNextLogFile, type OpenLogFile } from './logFiles';
import { parseRecord, type LogRecord, type LogStream } from './logRecord';

export interface ReadLogsOptions {
  /** Only the last `tail` records (of the streams asked for, within since/until); all when absent or negative. */
  tail?: number;
  /** Only records at or after this time. */
  since?: Date;
  /** Only records at or before this time; a follow ends once this time has passed. */
  until?: Date;
  /** Go on with records written later, across rotations, until `signal` aborts or the writer closes. */
  follow?: boolean;
  /** Default true. */
  stdout?: boolean;
  /** Default true. */
  stderr?: boolean;
  /** Prefix each text with the record's RFC 3339 time and a space, as `docker logs -t` does. */
  timestamps?: boolean;
  signal?: AbortSignal;
}

export interface LogEntry {
  readonly stream: LogStream;
  readonly time: Date;
  /** The output, with the line's newline unless partial; U+FFFD where the container wrote invalid UTF-8. */
  readonly text: string;
  /** The record does not end a line (more of the line follows in a later record). */
  readonly partial: boolean;
  /** The exact bytes, present only when they were not valid UTF-8 (text then has U+FFFD for them). */
  readonly bytes?: Buffer;
}

/**
 * The records of the container log in `dir`, oldest first, across the rotated files. With `follow` the
 * iteration goes on with new records (waking on the in-process LogWriter's events, or fs.watch on the
 * directory when the writer is elsewhere) and follows rotations; it ends when `signal` aborts, when the
 * in-process LogWriter of `dir` is closed (after its last record: the container's output has ended, as
 * `docker logs -f` ends when the container stops), or when `until` has passed. Without a writer in this
 * process it follows until aborted. Records torn by a crash are skipped. since/until assume that records
 * are in time order, which they are when the writer stamps them itself.
 */
export async function* readLogs(dir: string, options: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  const { since, until, follow = false, timestamps = false, signal } = options;
  const wanted = { stdout: options.stdout ?? true, stderr: options.stderr ?? true };
  const tail = options.tail !== undefined && options.tail >= 0 ? options.tail : undefined;
  if (!wanted.stdout && !wanted.stderr) throw new RangeError('readLogs: choose at least one of stdout and stderr');
  if (tail !== undefined && !Number.isSafeInteger(tail)) throw new RangeError(`readLogs: tail must be an integer, got ${tail}`);
  for (const [name, time] of [['since', since], ['until', until]] as const) {
    if (time && Number.isNaN(time.getTime())) throw new RangeError(`readLogs: ${name} is not a valid date`);
  }
  if (signal?.aborted) return;

  const logDir = resolve(dir);
  const open = new Set<OpenLogFile>();
  // Subscribed before the files are opened, so that nothing written meanwhile goes unnoticed.
  const waiter = follow ? new ChangeWaiter(logDir, signal, until) : null;
  let stop = false;

  const accepts = (record: LogRecord) => wanted[record.stream] && !(until && record.time > until);
  /** The entries of the next block of `lines`, or null at its end for now; sets `stop` past `until`. */
  async function nextEntries(lines: ForwardLines): Promise<LogEntry[] | null> {
    const batch = await lines.next();
    if (!batch) return null;
    const entries: LogEntry[] = [];
    for (const line of batch) {
      const record = parseRecord(line);
      if (!record) continue;
      if (until && record.time > until) {
        stop = true;
        break;
      }
      if ((since && record.time < since) || !wanted[record.stream]) continue;
      entries.push({
        stream: record.stream,
        time: record.time,
        text: timestamps ? `${record.t} ${record.text}` : record.text,
        partial: record.partial,
        ...(record.bytes ? { bytes: record.bytes } : {}),
      });
    }
    return entries;
  }
  async function close(file: OpenLogFile): Promise<void> {
    open.delete(file);
    await file.handle.close().catch(() => undefined);
  }

  try {
    const files = await openLogFiles(logDir);
    for (const file of files) open.add(file);
    // The files to read in order; the last one is the newest and the one a follow stays on.
    const queue: ForwardLines[] = [];
    if (files.length > 0) {
      const start = await startPosition(files, tail, accepts, since);
      for (const [index, file] of files.entries()) {
        if (index < start.file) await close(file);
        else queue.push(new ForwardLines(file, index === start.file ? start.offset : 0));
      }
    }
    let lines = queue.shift() ?? null;
    let writerClosedBefore = waiter?.writerClosed ?? false;
    let rereadAfterRotation = false;
    for (;;) {
      if (signal?.aborted) return;
      if (lines) {
        const entries = await nextEntries(lines);
        if (entries) {
          for (const entry of entries) yield entry;
          if (stop) return;
          continue;
        }
        const next = queue.shift();
        if (next) {
          await close(lines.file);
          lines = next;
          continue;
        }
      }
      if (!waiter) return;

      // At the end of the newest file read so far: a rotation moves on to the next file, after reading
      // the old one once more to its end (its writer may have appended just before rotating).
      const current = await inodeOf(join(logDir, CURRENT_LOG));
      if (lines === null || current !== lines.file.ino) {
        if (lines && !rereadAfterRotation) {
          rereadAfterRotation = true;
          continue;
        }
        const next = await openNextLogFile(logDir, lines?.file.ino ?? null);
        if (next) {
          open.add(next);
          if (lines) await close(lines.file);
          lines = new ForwardLines(next, 0);
          rereadAfterRotation = false;
          continue;
        }
      } else {
        await lines.restartIfTruncated();
      }
      if (writerClosedBefore || signal?.aborted || (until && Date.now() > until.getTime())) return;
      await waiter.wait();
      waiter.arm();
      writerClosedBefore = waiter.writerClosed;
      rereadAfterRotation = false;
    }
  } finally {
    waiter?.close();
    await Promise.all([...open].map(close));
  }
}

/** Where reading starts: `tail` counted back from the end, else the first file that reaches `since`. */
async function startPosition(
  files: readonly OpenLogFile[],
  tail: number | undefined,
  accepts: (record: LogRecord) => boolean,
  since: Date | undefined,
): Promise<FilePosition> {
  if (tail !== undefined) return tailStart(files, tail, accepts, since);
  let file = 0;
  if (since) {
    // Whole rotated files older than `since` are skipped after reading only their last line.
    while (file < files.length - 1) {
      const last = await lastRecord(files[file]!);
      if (last && last.time >= since) break;
      file++;
    }
  }
  return { file, offset: 0 };
}
