// Failures of file operations as RpcErrors whose data carries a stable fsCode, so that the extension can
// throw the matching vscode.FileSystemError. Messages name the path inside the container, never the host
// path behind it.
import { ErrorCode, RpcError, type FsErrorCode, type FsErrorData } from '../protocol';
import { SyscallError } from '../linux/libc';

export function fsError(fsCode: FsErrorCode, path: string, message: string): RpcError {
  const code = fsCode === 'FileNotFound' ? ErrorCode.NotFound : ErrorCode.Conflict;
  const data: FsErrorData = { fsCode, path };
  return new RpcError(code, message, data);
}

const byErrno: Record<string, { fsCode?: FsErrorCode; what: string }> = {
  ENOENT: { fsCode: 'FileNotFound', what: 'no such file or directory' },
  EEXIST: { fsCode: 'FileExists', what: 'already exists' },
  ENOTDIR: { fsCode: 'FileNotADirectory', what: 'not a directory' },
  EISDIR: { fsCode: 'FileIsADirectory', what: 'is a directory' },
  EACCES: { fsCode: 'NoPermissions', what: 'permission denied' },
  EPERM: { fsCode: 'NoPermissions', what: 'operation not permitted' },
  EROFS: { fsCode: 'NoPermissions', what: 'read-only file system' },
  ETXTBSY: { fsCode: 'NoPermissions', what: 'text file busy' },
  ENOTEMPTY: { fsCode: 'DirectoryNotEmpty', what: 'directory not empty' },
  ENXIO: { fsCode: 'Unsupported', what: 'no such device or address (a socket or a device without a driver)' },
  ELOOP: { what: 'too many levels of symbolic links' },
  ENAMETOOLONG: { what: 'file name too long' },
  ENOSPC: { what: 'no space left on device' },
  EDQUOT: { what: 'disk quota exceeded' },
  EXDEV: { what: 'crosses a mount point' },
  EINVAL: { what: 'invalid argument (a folder moved or copied into itself?)' },
  EBUSY: { what: 'busy (a mount point?)' },
};

/** The RpcError for a failure about `path` (a SyscallError or Node's fs error); anything else is rethrown as is. */
export function toFsError(error: unknown, path: string): Error {
  if (error instanceof RpcError) return error;
  const code = error instanceof SyscallError ? error.code : (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error instanceof Error ? error : new Error(String(error));
  const known = byErrno[code];
  const message = `${path}: ${known?.what ?? code}`;
  if (known?.fsCode) return fsError(known.fsCode, path, message);
  const rpcCode = code === 'EINVAL' || code === 'ENAMETOOLONG' || code === 'ELOOP' ? ErrorCode.InvalidParams : ErrorCode.Conflict;
  return new RpcError(rpcCode, message, { errno: code, path });
}

/** Runs `body`, turning file-system failures into RpcErrors about `path`. */
export function aboutPath<T>(path: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw toFsError(error, path);
  }
}

export function errnoOf(error: unknown): string | undefined {
  if (error instanceof SyscallError) return error.code;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
