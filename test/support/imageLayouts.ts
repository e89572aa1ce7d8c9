// Test images as OCI layouts, made with Debian's umoci (which writes whiteouts for what a layer deletes)
// and, where umoci cannot say it, by hand: a layer with an opaque directory, a multi-platform index.
// skopeo then copies them into a test registry (registry.ts).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { paxHeaderBlock } from '../../helper/src/images/paxRaw';

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 256 * 1024 * 1024 });

export interface Layout {
  dir: string;
  /** `oci:DIR:TAG` for skopeo. */
  ref(tag: string): string;
}

export function createLayout(): Layout {
  const dir = mkdtempSync(join(tmpdir(), 'berth-layout-'));
  rmSync(dir, { recursive: true });
  run('umoci', ['init', '--layout', dir]);
  return { dir, ref: (tag) => `oci:${dir}:${tag}` };
}

/**
 * Builds tag `tag` from `from` (or an empty image) by unpacking it, letting `change` edit the root
 * filesystem, and repacking: umoci makes one new layer with whiteouts for what was removed.
 */
export function umociLayer(layout: Layout, tag: string, change: (rootfs: string) => void, from?: string): void {
  const bundle = mkdtempSync(join(tmpdir(), 'berth-umoci-'));
  rmSync(bundle, { recursive: true });
  try {
    if (from === undefined) run('umoci', ['new', '--image', `${layout.dir}:${tag}`]);
    else run('umoci', ['tag', '--image', `${layout.dir}:${from}`, tag]);
    run('umoci', ['unpack', '--image', `${layout.dir}:${tag}`, bundle]);
    change(join(bundle, 'rootfs'));
    run('umoci', ['repack', '--image', `${layout.dir}:${tag}`, bundle]);
  } finally {
    rmSync(bundle, { recursive: true, force: true });
  }
}

export function umociConfig(layout: Layout, tag: string, args: string[]): void {
  run('umoci', ['config', '--image', `${layout.dir}:${tag}`, ...args]);
}

/** Copies a directory's content into a root filesystem, keeping links, modes and owners. */
export function copyInto(source: string, rootfs: string): void {
  cpSync(source, rootfs, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

/** A busybox root filesystem image with CMD sh. */
export function busyboxImage(layout: Layout, tag: string, busyboxRootfs: string): void {
  umociLayer(layout, tag, (rootfs) => copyInto(busyboxRootfs, rootfs));
  umociConfig(layout, tag, ['--config.cmd', 'sh', '--config.env', 'PATH=/bin']);
}

export type TarItem = Partial<Header> & { name: string; body?: string | Buffer; paxBlock?: Buffer };

/** A tar from tar-stream's pack; an item's paxBlock (raw PAX records) goes in as an `x` header just before it. */
export async function tarOf(items: TarItem[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    packer.on('end', () => resolve());
    packer.on('error', reject);
  });
  for (const { body, paxBlock, ...header } of items) {
    if (paxBlock !== undefined) packer.push(paxHeaderBlock(paxBlock)); // between entries: lands in order
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (body !== undefined) packer.entry({ mode: 0o644, ...header }, body, done);
      else packer.entry({ mode: header.type === 'directory' ? 0o755 : 0o644, ...header }, done);
    });
  }
  packer.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function writeBlob(layout: Layout, bytes: Buffer): string {
  const digest = sha256(bytes);
  const path = join(layout.dir, 'blobs', 'sha256', digest.slice(7));
  if (!existsSync(path)) writeFileSync(path, bytes);
  return digest;
}

function readBlob(layout: Layout, digest: string): Buffer {
  return readFileSync(join(layout.dir, 'blobs', 'sha256', digest.slice(7)));
}

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: { mediaType: string; digest: string; size: number; platform?: object; annotations?: Record<string, string> }[];
}

function readIndex(layout: Layout): IndexJson {
  return JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8')) as IndexJson;
}

function writeIndex(layout: Layout, index: IndexJson): void {
  writeFileSync(join(layout.dir, 'index.json.tmp'), JSON.stringify(index));
  renameSync(join(layout.dir, 'index.json.tmp'), join(layout.dir, 'index.json'));
}

export function manifestOf(layout: Layout, tag: string): { digest: string; manifest: { config: { digest: string; size: number; mediaType: string }; layers: { digest: string; size: number; mediaType: string }[] } } {
  const entry = readIndex(layout).manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!entry) throw new Error(`no tag ${tag} in ${layout.dir}`);
  return { digest: entry.digest, manifest: JSON.parse(readBlob(layout, entry.digest).toString()) };
}

/** Adds a hand-made layer (an uncompressed tar, stored gzip'd) on top of `from` as tag `tag`. */
export function appendLayer(layout: Layout, from: string, tag: string, tar: Buffer, createdBy = 'test layer'): void {
  const { manifest } = manifestOf(layout, from);
  const config = JSON.parse(readBlob(layout, manifest.config.digest).toString()) as { rootfs: { diff_ids: string[] }; history?: object[] };
  const gz = gzipSync(tar);
  const layerDigest = writeBlob(layout, gz);
  config.rootfs.diff_ids.push(sha256(tar));
  config.history = [...(config.history ?? []), { created: new Date().toISOString(), created_by: createdBy }];
  const configBytes = Buffer.from(JSON.stringify(config));
  const newManifest = {
    ...manifest,
    config: { ...manifest.config, digest: writeBlob(layout, configBytes), size: configBytes.length },
    layers: [...manifest.layers, { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: gz.length }],
  };
  setTag(layout, tag, Buffer.from(JSON.stringify(newManifest)), 'application/vnd.oci.image.manifest.v1+json');
}

function setTag(layout: Layout, tag: string, bytes: Buffer, mediaType: string, platform?: object): void {
  const digest = writeBlob(layout, bytes);
  const index = readIndex(layout);
  index.manifests = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag);
  index.manifests.push({ mediaType, digest, size: bytes.length, ...(platform ? { platform } : {}), annotations: { 'org.opencontainers.image.ref.name': tag } });
  writeIndex(layout, index);
}

/** Tag `tag` becomes an image index of the given tags, each with its platform. */
export function multiPlatformIndex(layout: Layout, tag: string, entries: { tag: string; os: string; architecture: string; variant?: string }[]): void {
  const manifests = entries.map((entry) => {
    const { digest } = manifestOf(layout, entry.tag);
    const size = readBlob(layout, digest).length;
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size,
      platform: { os: entry.os, architecture: entry.architecture, ...(entry.variant ? { variant: entry.variant } : {}) },
    };
  });
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  setTag(layout, tag, Buffer.from(JSON.stringify(index)), 'application/vnd.oci.image.index.v1+json');
}

/** The Debian bookworm minbase root filesystem as a tar, made once with debootstrap and kept in /var/cache/berth. */
export function debianMinbaseTar(): string {
  const cache = '/var/cache/berth/debian-bookworm-minbase.tar';
  if (existsSync(cache)) return cache;
  mkdirSync('/var/cache/berth', { recursive: true });
  const mirror = debianMirror();
  const work = mkdtempSync('/var/tmp/berth-debootstrap-');
  try {
    execFileSync('debootstrap', ['--variant=minbase', 'bookworm', join(work, 'rootfs'), mirror], { stdio: 'ignore', timeout: 20 * 60_000 });
    execFileSync('tar', ['--numeric-owner', '--xattrs', '-C', join(work, 'rootfs'), '-cf', `${cache}.partial`, '.']);
    renameSync(`${cache}.partial`, cache);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return cache;
}

function debianMirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const match = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm/m.exec(text);
    if (match) return match[1]!;
  }
  return 'http://deb.debian.org/debian';
}

/** A copy of tag `tag` with zstd-compressed layers, in a new layout (skopeo recompresses). */
export function zstdCopy(layout: Layout, tag: string): Layout {
  const copy = mkdtempSync(join(tmpdir(), 'berth-layout-zstd-'));
  run('skopeo', ['copy', '--quiet', '--dest-compress', '--dest-compress-format', 'zstd', layout.ref(tag), `oci:${copy}:${tag}`]);
  return { dir: copy, ref: (t) => `oci:${copy}:${t}` };
}

/** The Debian minbase rootfs as a one-layer OCI image (tag `minbase`), made with umoci once and cached. */
export function debianMinbaseLayout(): Layout {
  const cache = '/var/cache/berth/debian-bookworm-minbase-oci';
  if (!existsSync(join(cache, 'index.json'))) {
    const tar = debianMinbaseTar();
    const layout = createLayout();
    try {
      umociLayer(layout, 'minbase', (rootfs) => run('tar', ['--numeric-owner', '-xpf', tar, '-C', rootfs]));
      umociConfig(layout, 'minbase', ['--config.cmd', 'bash', '--config.env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
      rmSync(cache, { recursive: true, force: true });
      renameSync(layout.dir, cache);
    } finally {
      rmSync(layout.dir, { recursive: true, force: true });
    }
  }
  return { dir: cache, ref: (tag) => `oci:${cache}:${tag}` };
}
