// The protocol's plain values: its version, stream frame names and sizes. No schema is built here, so a
// client can load them (the extension does, at activation) without paying for the schemas (see schemas.ts).

/**
 * The protocol revision; bumped when the wire changes incompatibly. 2: stream bytes travel as binary
 * WebSocket messages (frames.ts) in both directions, acknowledged by binary ack frames; JSON is for calls
 * and control only. A helper and a client of different revisions refuse each other by name (version.ts).
 */
export const PROTOCOL_VERSION = 2;

/** Unacknowledged bytes (of data frames, plus the JSON of `items`) a sender lets one stream have in flight. */
export const STREAM_WINDOW_BYTES = 1024 * 1024;
/** Largest payload of one data frame. */
export const STREAM_CHUNK_BYTES = 64 * 1024;
/**
 * A receiver acknowledges what it has consumed once this much has gathered (not after every frame, so a
 * terminal's echo costs no acknowledgement). Every window is at least twice this plus a chunk, so a
 * sender held at its window always gets an acknowledgement once the receiver has caught up.
 */
export const STREAM_ACK_BYTES = 32 * 1024;

/** Server → client notification carrying a stream's items (events, stats, log records, progress). */
export const STREAM_DATA = 'stream.data';
/** Server → client notification: a stream's last word. */
export const STREAM_END = 'stream.end';

/**
 * What `berth dial-stdio` writes on stderr once the daemon's socket is open: a client sends nothing before
 * it, since sudo, which starts the bridge, may still be reading a password from the same stdin.
 */
export const DIAL_STDIO_READY = 'berth dial-stdio: connected';
