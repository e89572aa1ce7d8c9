// The engine's containers on disk and in memory: one directory per container under ROOT/containers, its
// record written atomically (a crash leaves the old record or the new one), names unique.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/writeFileAtomic';
import { resolveContainer } from '../naming';
import type { ContainerRecord } from './containerRecord';

const RECORD = 'container.json';

export class ContainerStore {
  private readonly records = new Map<string, ContainerRecord>();

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  /** Reads every record; a directory without a readable record (a create cut short) is returned apart. */
  load(): { loaded: ContainerRecord[]; broken: string[] } {
    const broken: string[] = [];
    for (const id of readdirSync(this.root)) {
      try {
        const record = JSON.parse(readFileSync(join(this.root, id, RECORD), 'utf8')) as ContainerRecord;
        if (record.id !== id) throw new Error('id mismatch');
        this.records.set(id, record);
      } catch {
        broken.push(id);
      }
    }
    return { loaded: [...this.records.values()], broken };
  }

  dirOf(id: string): string {
    return join(this.root, id);
  }

  all(): ContainerRecord[] {
    return [...this.records.values()];
  }

  get(id: string): ContainerRecord | undefined {
    return this.records.get(id);
  }

  /** By full id, name, or unique id prefix (Docker's order); NamingError otherwise. */
  resolve(ref: string): ContainerRecord {
    return resolveContainer(
      ref,
      this.all().map((record) => ({ id: record.id, names: [record.name], record })),
    ).record;
  }

  nameTaken(name: string): ContainerRecord | undefined {
    return this.all().find((record) => record.name === name);
  }

  /** Makes the container's directory and writes its first record; fails if the id exists. */
  add(record: ContainerRecord): string {
    const dir = this.dirOf(record.id);
    if (existsSync(dir)) throw new Error(`container directory ${dir} exists already`);
    mkdirSync(dir, { mode: 0o700 });
    this.records.set(record.id, record);
    this.save(record);
    return dir;
  }

  save(record: ContainerRecord): void {
    this.records.set(record.id, record);
    writeFileAtomic(join(this.dirOf(record.id), RECORD), `${JSON.stringify(record, null, 1)}\n`);
  }

  /** Forgets the container and removes its directory (its mounts must be gone already). */
  remove(id: string): void {
    this.records.delete(id);
    rmSync(this.dirOf(id), { recursive: true, force: true });
  }
}
