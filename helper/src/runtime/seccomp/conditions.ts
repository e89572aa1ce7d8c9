// One argument condition of a rule as BPF. Syscall arguments are 64-bit in seccomp_data but classic BPF
// only loads and compares 32-bit words, so each comparison is made as libseccomp makes it on 64-bit
// architectures: the high words decide unless they are equal, then the low words do. Both words are always
// checked, so a value with high bits set never passes for one without (an int argument the kernel sees
// sign-extended, such as -1, is 0xffffffff_ffffffff, as it is for libseccomp).
import { BPF_JMP_JEQ_K, BPF_JMP_JGE_K, BPF_JMP_JGT_K, type Label, type ProgramBuilder } from './bpf';

export type ComparisonOp =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

/**
 * A resolved condition. For SCMP_CMP_MASKED_EQ, `value` is the mask and `valueTwo` the datum, as in the
 * runtime spec and runc: (arg & value) == valueTwo.
 */
export interface Condition {
  index: number;
  op: ComparisonOp;
  value: bigint;
  valueTwo: bigint;
}

// offsetof(struct seccomp_data, args[i]); the low word comes first on little-endian x86_64 and aarch64.
const argLow = (index: number): number => 16 + 8 * index;
const argHigh = (index: number): number => argLow(index) + 4;
const high = (v: bigint): number => Number((v >> 32n) & 0xffff_ffffn);
const low = (v: bigint): number => Number(v & 0xffff_ffffn);

/** Emits code that falls through when `cond` holds for the syscall and jumps to `fail` when it does not. */
export function emitCondition(b: ProgramBuilder, cond: Condition, fail: Label): void {
  const pass = b.label();
  const hiEqual = b.label();
  const { index, value } = cond;
  switch (cond.op) {
    case 'SCMP_CMP_EQ':
      b.load(argHigh(index));
      b.jump(BPF_JMP_JEQ_K, high(value), hiEqual, fail);
      b.bind(hiEqual);
      b.load(argLow(index));
      b.jump(BPF_JMP_JEQ_K, low(value), pass, fail);
      break;
    case 'SCMP_CMP_NE':
      b.load(argHigh(index));
      b.jump(BPF_JMP_JEQ_K, high(value), hiEqual, pass);
      b.bind(hiEqual);
      b.load(argLow(index));
      b.jump(BPF_JMP_JEQ_K, low(value), fail, pass);
      break;
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE': {
      // arg > value (or >=) is: hi > v.hi, or hi == v.hi and lo > v.lo (or >=). LT and LE are the negations
      // of GE and GT, made by swapping where the same tests lead.
      const greater = cond.op === 'SCMP_CMP_GT' || cond.op === 'SCMP_CMP_GE';
      const [ifTrue, ifFalse] = greater ? [pass, fail] : [fail, pass];
      const lowTest = cond.op === 'SCMP_CMP_GT' || cond.op === 'SCMP_CMP_LE' ? BPF_JMP_JGT_K : BPF_JMP_JGE_K;
      const hiNotGreater = b.label();
      b.load(argHigh(index));
      b.jump(BPF_JMP_JGT_K, high(value), ifTrue, hiNotGreater);
      b.bind(hiNotGreater);
      b.jump(BPF_JMP_JEQ_K, high(value), hiEqual, ifFalse);
      b.bind(hiEqual);
      b.load(argLow(index));
      b.jump(lowTest, low(value), ifTrue, ifFalse);
      break;
    }
    case 'SCMP_CMP_MASKED_EQ': {
      // libseccomp masks the datum too, so bits outside the mask are ignored rather than making the
      // condition impossible. A word whose mask is zero always matches and needs no code.
      const mask = value;
      const datum = cond.valueTwo & mask;
      if (high(mask) !== 0) {
        b.load(argHigh(index));
        b.and(high(mask));
        b.jump(BPF_JMP_JEQ_K, high(datum), hiEqual, fail);
      }
      b.bind(hiEqual);
      if (low(mask) !== 0) {
        b.load(argLow(index));
        b.and(low(mask));
        b.jump(BPF_JMP_JEQ_K, low(datum), pass, fail);
      }
      break;
    }
  }
  b.bind(pass);
}
