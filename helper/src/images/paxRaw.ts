// The raw bytes of PAX extended-header records, which tar-stream does not give: its decodePax turns every
// record into a UTF-8 string, so a binary value (an xattr such as security.capability, a little-endian
// struct) comes out with U+FFFD in place of its bytes and cannot be restored.
//
// Why a hook and not a tar parser of our own: tar-stream's extractor already finds each PAX header block
// (through GNU long names, sizes in PAX records and padding) and passes exactly that block to one method,
// `_decodeLongHeader(buf)`, which sets `this._pax` to the object it then hands to the next entry as
// `header.pax`. Wrapping that method on one extractor instance sees the same bytes tar-stream decoded and
// keys their raw records by that very object, so an entry's raw values are `rawPax.get(header.pax)` with no
// index to keep in step. The records are split exactly as decodePax splits them, so the keys match.
// tar-stream is pinned (3.2.2); if the method is ever gone this throws at once rather than letting binary
// values through corrupted.
import type { Extract } from 'tar-stream';

/** For each `header.pax` object tar-stream makes, its records' values as raw bytes, by key. */
export type RawPax = WeakMap<object, Map<string, Buffer>>;

interface ExtractInternals {
  _header: { type?: string } | null;
  _pax: object | null;
  _decodeLongHeader(buf: Buffer): void;
}

export function keepRawPax(extractor: Extract): RawPax {
  const inner = extractor as unknown as ExtractInternals;
  const decode = inner._decodeLongHeader;
  if (typeof decode !== 'function') throw new Error("tar-stream's extractor has no _decodeLongHeader: the raw PAX hook needs updating");
  const raw: RawPax = new WeakMap();
  let global = new Map<string, Buffer>();
  inner._decodeLongHeader = function (this: ExtractInternals, buf: Buffer) {
    decode.call(this, buf);
    const type = this._header?.type;
    if (type === 'pax-global-header') global = paxRecords(buf);
    // tar-stream merges the global header's records under this one's (Object.assign), and so does this.
    else if (type === 'pax-header' && this._pax !== null) raw.set(this._pax, new Map([...global, ...paxRecords(buf)]));
  };
  return raw;
}

/**
 * The records of one PAX header block, `"%d %s=%s\n"` each with the length counting the whole record,
 * split as tar-stream's decodePax does (stopping where it stops); the key is UTF-8, the value raw bytes.
 */
export function paxRecords(block: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let rest = block;
  while (rest.length > 0) {
    let space = rest.indexOf(0x20);
    if (space === -1) space = rest.length;
    const length = Number.parseInt(rest.subarray(0, space).toString('latin1'), 10);
    if (!length) break;
    const record = rest.subarray(space + 1, length - 1);
    const equals = record.indexOf(0x3d);
    if (equals === -1) break;
    records.set(record.subarray(0, equals).toString('utf8'), Buffer.from(record.subarray(equals + 1)));
    rest = rest.subarray(length);
  }
  return records;
}

/** One PAX record, `"%d key=value\n"`, its length counting the whole record (its own digits too). */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

/**
 * A PAX extended header (ustar typeflag `x`) holding `records`, padded to whole 512-byte blocks. By hand
 * because tar-stream's pack encodes PAX values as UTF-8 strings and takes no body for an `x` entry.
 */
export function paxHeaderBlock(records: Buffer, mtime = new Date(0)): Buffer {
  const header = Buffer.alloc(512);
  const octal = (value: number, width: number, offset: number) => header.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, 'latin1');
  header.write('PaxHeader', 0, 'latin1');
  octal(0o644, 8, 100);
  octal(0, 8, 108);
  octal(0, 8, 116);
  octal(records.length, 12, 124);
  octal(Math.max(0, Math.floor(mtime.getTime() / 1000)), 12, 136);
  header.write('x', 156, 'latin1');
  header.write('ustar\u000000', 257, 'latin1');
  header.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([header, records, Buffer.alloc((512 - (records.length % 512)) % 512)]);
}
