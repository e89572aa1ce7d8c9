// Benchmark: what sealing the Node the init and exec stages run from (runtime/lifecycle/sealedNode.ts)
// costs on the start path. Two parts make the whole cost, each measured against its alternative,
// interleaved so that the machine's noise falls on both alike:
//  - making the seal, once per process (so once per `berth runtime` command, once per daemon): Berth's
//    read-only detached mount (open_tree + mount_setattr) against a sealed memfd copy of the binary, the
//    way runc 1.1 seals itself on every run and exec (and Berth's fallback before Linux 5.12);
//  - every start of a stage: Node executed through the sealed path (/proc/<pid>/fd/<fd>) against the same
//    Node executed from the host's file, as before the seal.
// The whole start path beside runc's is runtime-lifecycle.bench.ts. Speed is measured, not asserted.
//   node --import tsx test/bench/runtime-sealedNode.bench.ts [ROUNDS]
import { closeSync } from 'node:fs';
import { median, reportRow, summary, timedCommand } from '../support/benchStats';
import { sealExecutable, type SealMethod } from '../../helper/src/runtime/lifecycle/sealedNode';

const rounds = Number(process.argv[2] ?? 30);

/** Milliseconds to seal Node by `method`; the seal is undone (its fd closed) before the next sample. */
function seal(method: SealMethod): number {
  const started = process.hrtime.bigint();
  const sealed = sealExecutable(process.execPath, method);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (sealed.method !== method) throw new Error(`asked for a ${method}, got a ${sealed.method}`);
  closeSync(sealed.fd);
  return elapsed;
}

const mount: number[] = [];
const memfd: number[] = [];
const sealedStart: number[] = [];
const hostStart: number[] = [];
// One seal for the exec samples, as the runtime holds one per process.
const sealed = sealExecutable(process.execPath, 'read-only mount');
try {
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    const seals: Array<() => void> = [() => mount.push(seal('read-only mount')), () => memfd.push(seal('sealed memfd'))];
    const starts: Array<() => void> = [() => sealedStart.push(timedCommand(sealed.path, ['-e', '0'])), () => hostStart.push(timedCommand(process.execPath, ['-e', '0']))];
    if (i % 2) {
      seals.reverse();
      starts.reverse();
    }
    for (const sample of [...seals, ...starts]) sample();
  }
} finally {
  closeSync(sealed.fd);
}

console.log(`sealing Node (${process.execPath}) once per process, ${rounds} interleaved rounds`);
console.log(`  read-only mount:               ${summary(mount)}`);
console.log(`  sealed memfd copy (runc 1.1):  ${summary(memfd)}`);
console.log(`node -e 0, ${rounds} interleaved rounds`);
console.log(`  through the sealed mount:      ${summary(sealedStart)}`);
console.log(`  from the host's file:          ${summary(hostStart)}`);
reportRow({
  name: 'sealing Node once per process (read-only detached mount)',
  unit: 'ms',
  berth: median(mount),
  anchorName: "sealed memfd copy (runc 1.1's way, Berth's fallback)",
  anchor: median(memfd),
  samples: rounds,
});
reportRow({
  name: 'a stage started from the sealed Node (node -e 0 through /proc/PID/fd/N)',
  unit: 'ms',
  berth: median(sealedStart),
  anchorName: "node -e 0 from the host's file (unsealed)",
  anchor: median(hostStart),
  samples: rounds,
});
