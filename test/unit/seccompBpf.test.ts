// The BPF builder's one hard job: jumps longer than an 8-bit offset, repaired with a copied return or an
// unconditional jump placed right after the jump that is too long.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BPF_JMP_JA,
  BPF_JMP_JEQ_K,
  BPF_LD_W_ABS,
  BPF_RET_K,
  ProgramBuilder,
  decodeProgram,
  encodeProgram,
} from '../../helper/src/runtime/seccomp/bpf';
import { simulate } from '../../helper/src/runtime/seccomp/simulate';
import { verifyProgram } from '../../helper/src/runtime/seccomp/verify';

test('short jumps are plain offsets', () => {
  const b = new ProgramBuilder();
  const yes = b.label();
  const no = b.label();
  b.load(0);
  b.jump(BPF_JMP_JEQ_K, 7, yes, no);
  b.bind(no);
  b.ret(1);
  b.bind(yes);
  b.ret(2);
  assert.deepEqual(b.build(), [
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: 0 },
    { code: BPF_JMP_JEQ_K, jt: 1, jf: 0, k: 7 },
    { code: BPF_RET_K, jt: 0, jf: 0, k: 1 },
    { code: BPF_RET_K, jt: 0, jf: 0, k: 2 },
  ]);
});

test('a jump to a label never bound is an internal error, not a bad program', () => {
  const b = new ProgramBuilder();
  const nowhere = b.label();
  const next = b.label();
  b.jump(BPF_JMP_JEQ_K, 7, nowhere, next);
  b.bind(next);
  b.ret(0);
  assert.throws(() => b.build(), /unbound label/);
});

test('a jump past 255 instructions goes through a stepping stone', () => {
  const c = new ProgramBuilder();
  const target = c.label();
  const retTarget = c.label();
  const next = c.label();
  const next2 = c.label();
  c.load(0);
  c.jump(BPF_JMP_JEQ_K, 7, target, next); // to code 300+ ahead: needs a `ja`
  c.bind(next);
  c.jump(BPF_JMP_JEQ_K, 8, retTarget, next2); // to a `ret` 300+ ahead: gets a copy of it
  c.bind(next2);
  for (let i = 0; i < 300; i++) c.load(4);
  c.ret(0x5);
  c.bind(target);
  c.load(0);
  c.ret(0x7);
  c.bind(retTarget);
  c.ret(0x8);
  const insns = c.build();
  verifyProgram(insns);
  assert.equal(insns[2].code, BPF_JMP_JA, 'stone after the first jump');
  assert.equal(insns[4].code, BPF_RET_K, 'copied return after the second jump');
  assert.equal(insns[4].k, 0x8);
  const program = encodeProgram(insns);
  assert.deepEqual(decodeProgram(program), insns);
  assert.equal(simulate(program, { nr: 7, arch: 0 }).action, 0x7);
  assert.equal(simulate(program, { nr: 8, arch: 0 }).action, 0x8);
  assert.equal(simulate(program, { nr: 9, arch: 0 }).action, 0x5);
});

test('struct sock_filter encoding: little-endian u16 code, u8 jt, u8 jf, u32 k', () => {
  const buf = encodeProgram([{ code: BPF_JMP_JEQ_K, jt: 3, jf: 250, k: 0xc000_003e }]);
  assert.equal(buf.toString('hex'), '1500' + '03' + 'fa' + '3e0000c0');
});
