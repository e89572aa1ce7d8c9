// files.*: a container's root filesystem, read and written from the host straight from its root directory
// (running or stopped, no program inside the container involved). Every path is resolved inside the
// container's root: an absolute symlink in it means the container's root, never the host's.
//
// Large contents travel as streams (streams.ts): fs.readFile sends the bytes as stream.data, fs.writeFile
// takes them through stream.write and commits atomically when the client closes its input. fs.watch is a
// stream of FileChange items.
//
// Failures are RpcErrors whose `data.fsCode` (FsErrorCode) says which of VS Code's FileSystemErrors it is.
import * as z from 'zod';
import type { MethodTable } from './methodTable';
import { OpenedStream } from './streams';

/** Stable error kinds in `error.data.fsCode`, named after VS Code's FileSystemError constructors. */
export const FsErrorCode = z.enum([
  'FileNotFound',
  'FileExists',
  'FileNotADirectory',
  'FileIsADirectory',
  'NoPermissions',
  /** Sockets, FIFOs and devices: refused at once rather than opened (it could hang or have side effects). */
  'Unsupported',
  /** A directory deleted without `recursive` has entries. */
  'DirectoryNotEmpty',
]);
export type FsErrorCode = z.infer<typeof FsErrorCode>;

export interface FsErrorData {
  fsCode: FsErrorCode;
  /** The path inside the container the error is about. */
  path?: string;
}

export const FileKind = z.enum(['file', 'directory', 'symlink', 'fifo', 'socket', 'charDevice', 'blockDevice', 'unknown']);
export type FileKind = z.infer<typeof FileKind>;

/** A container reference (id, id prefix or name) and an absolute path inside its root. */
const Container = z.string().min(1, 'a container id, id prefix or name');
const PathInContainer = z
  .string()
  .startsWith('/', 'an absolute path inside the container')
  .refine((path) => !path.includes('\0'), 'a path holds no NUL byte');

export const FileStat = z.object({
  /** What the path finally is (the target's kind for a symlink; `unknown` for a dangling one). */
  kind: FileKind,
  /** Whether the path itself is a symbolic link. */
  symlink: z.boolean(),
  /** Of the target, for a symlink. */
  size: z.number().int().nonnegative(),
  /** Milliseconds since the epoch. */
  mtime: z.number(),
  ctime: z.number(),
  /** Permission bits (0o7777). */
  mode: z.number().int(),
  uid: z.number().int(),
  gid: z.number().int(),
  /** Nobody in the container can write it: no write bit at all, or a read-only mount. */
  readonly: z.boolean(),
});
export type FileStat = z.infer<typeof FileStat>;

export const DirectoryEntry = z.object({
  name: z.string(),
  kind: FileKind,
  symlink: z.boolean(),
});
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;

export const FileChangeType = z.enum(['created', 'changed', 'deleted']);
export type FileChangeType = z.infer<typeof FileChangeType>;

/** One item of an fs.watch stream. `overflow`: events were lost; whatever is shown under `path` may be stale. */
export const FileChange = z.object({
  type: z.union([FileChangeType, z.literal('overflow')]),
  path: z.string(),
});
export type FileChange = z.infer<typeof FileChange>;

const Ref = { container: Container, path: PathInContainer };
const Empty = z.object({}).strict();

export const fileMethods = {
  'fs.stat': { params: z.object(Ref).strict(), result: FileStat },
  'fs.readDirectory': {
    params: z.object(Ref).strict(),
    result: z.object({ entries: z.array(DirectoryEntry) }),
  },
  /**
   * Opens a stream of the file's bytes from `offset` (default 0), `length` bytes at most (default: to the
   * end). Its end result is `{ bytes, size }`: how many were sent and the file's size when opened.
   */
  'fs.readFile': {
    params: z
      .object({
        ...Ref,
        offset: z.number().int().nonnegative().optional(),
        length: z.number().int().nonnegative().optional(),
      })
      .strict(),
    result: OpenedStream,
  },
  /**
   * Opens a stream that takes the new content as data frames and commits it when the client closes its
   * input: a temporary file in the same directory, fsync'd, renamed over the old one, keeping the old file's owner and mode. Until then the old
   * file is untouched; a cancelled stream or a lost connection leaves it as it was. `create` and
   * `overwrite` follow VS Code's rules (FileNotFound / FileExists), checked at once and again at commit.
   * The end result is `{ size }`. A symlink is written through: its target is replaced.
   */
  'fs.writeFile': {
    params: z.object({ ...Ref, create: z.boolean(), overwrite: z.boolean() }).strict(),
    result: OpenedStream,
  },
  /** Creates one directory (its parent must exist); FileExists when anything is there. */
  'fs.createDirectory': { params: z.object(Ref).strict(), result: Empty },
  /** Deletes a file, a symlink (not its target) or a directory (with its contents when `recursive`). */
  'fs.delete': { params: z.object({ ...Ref, recursive: z.boolean() }).strict(), result: Empty },
  /** Renames within the container; with `overwrite`, whatever is at `to` is replaced. */
  'fs.rename': {
    params: z.object({ container: Container, from: PathInContainer, to: PathInContainer, overwrite: z.boolean() }).strict(),
    result: Empty,
  },
  /** Copies a file, symlink or directory tree (modes, owners and times kept) within the container. */
  'fs.copy': {
    params: z.object({ container: Container, from: PathInContainer, to: PathInContainer, overwrite: z.boolean() }).strict(),
    result: Empty,
  },
  /**
   * Opens a stream of FileChange items under `path` (inotify), with subdirectories when `recursive`,
   * skipping paths that match one of `excludes` (globs: `*`, `**`, `?`, `{a,b}`, `[…]`, matched against
   * the absolute path in the container and the path relative to `path`). Cancel the stream to stop.
   */
  'fs.watch': {
    params: z
      .object({ ...Ref, recursive: z.boolean(), excludes: z.array(z.string()).max(1000).optional() })
      .strict(),
    result: OpenedStream,
  },
} as const satisfies MethodTable;
