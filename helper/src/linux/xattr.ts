// Extended attributes, which Node lacks: the layer unpacker marks overlayfs opaque directories with
// `trusted.overlay.opaque`, restores the xattrs a layer's PAX headers carry (raw bytes: values are binary), and
// `import DIR` reads them to carry them into the layer it makes.
import { check, libc } from './libc';

const lsetxattrRaw = libc.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)') as (
  path: string,
  name: string,
  value: Buffer,
  size: number,
  flags: number,
) => number;
const setxattrRaw = libc.func('int setxattr(const char *path, const char *name, const void *value, size_t size, int flags)') as typeof lsetxattrRaw;
const lgetxattrRaw = libc.func('long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)') as (
  path: string,
  name: string,
  value: Buffer,
  size: number,
) => number;

/** lsetxattr(2): sets `name` on `path` itself (a symlink is not followed; a /proc/self/fd magic link is). */
export function lsetxattr(path: string, name: string, value: Buffer | string): void {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  check('lsetxattr', `${JSON.stringify(path)}, ${JSON.stringify(name)}, ${bytes.length} bytes`, lsetxattrRaw(path, name, bytes, bytes.length, 0));
}

/** setxattr(2): like lsetxattr, but follows a symlink in the last component (an O_PATH fd's /proc/self/fd link). */
export function setxattr(path: string, name: string, value: Buffer | string): void {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  check('setxattr', `${JSON.stringify(path)}, ${JSON.stringify(name)}, ${bytes.length} bytes`, setxattrRaw(path, name, bytes, bytes.length, 0));
}

/** lgetxattr(2): the value of `name` on `path` (up to 64 KiB, the kernel's limit). */
export function lgetxattr(path: string, name: string): Buffer {
  const buffer = Buffer.alloc(65536);
  const length = check('lgetxattr', `${JSON.stringify(path)}, ${JSON.stringify(name)}`, lgetxattrRaw(path, name, buffer, buffer.length));
  return buffer.subarray(0, length);
}

const llistxattrRaw = libc.func('long llistxattr(const char *path, _Out_ void *list, size_t size)') as (path: string, list: Buffer, size: number) => number;

/** llistxattr(2): the names of the xattrs on `path` itself (a symlink is not followed), in the kernel's order. */
export function llistxattr(path: string): string[] {
  const buffer = Buffer.alloc(65536); // XATTR_LIST_MAX
  const length = check('llistxattr', JSON.stringify(path), llistxattrRaw(path, buffer, buffer.length));
  return buffer
    .subarray(0, length)
    .toString('utf8')
    .split('\0')
    .filter((name) => name !== '');
}
