// The protocol's plain values: stream frame names and sizes. No schema is built here, so a client can load
// them (the extension does, at activation) without paying for the schemas (see schemas.ts).

/** Unacknowledged bytes (of `data`, decoded, plus the JSON of `items`) the daemon lets one stream have in flight. */
export const STREAM_WINDOW_BYTES = 1024 * 1024;
/** Largest piece of bytes in one stream.data notification (before base64). */
export const STREAM_CHUNK_BYTES = 64 * 1024;

/** Server → client notification carrying a stream's bytes or items. */
export const STREAM_DATA = 'stream.data';
/** Server → client notification: a stream's last word. */
export const STREAM_END = 'stream.end';

/** Largest piece of content one stream.write of fs.writeFile carries (before base64): well under the frame limit. */
export const FS_WRITE_CHUNK_BYTES = 1024 * 1024;
