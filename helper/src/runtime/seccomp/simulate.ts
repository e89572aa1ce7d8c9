// Runs a compiled filter the way the kernel would, on a seccomp_data given as numbers: to check in tests
// what a program decides for any syscall, arguments and architecture without loading it (a loaded filter
// cannot be unloaded), and to answer "why was this syscall refused" by hand. It accepts exactly the
// instructions the compiler emits and checks what the kernel's verifier checks for them.
import {
  BPF_ALU_AND_K,
  BPF_JMP_JA,
  BPF_JMP_JEQ_K,
  BPF_JMP_JGE_K,
  BPF_JMP_JGT_K,
  BPF_JMP_JSET_K,
  BPF_LD_W_ABS,
  BPF_MAXINSNS,
  BPF_RET_K,
  decodeProgram,
  type Instruction,
} from './bpf';

export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  /** Up to six 64-bit arguments; missing ones are 0. */
  args?: readonly bigint[];
}

export interface SimulationResult {
  /** The SECCOMP_RET_* value the filter returned. */
  action: number;
  /** How many instructions ran, the cost of this syscall. */
  steps: number;
}

const SECCOMP_DATA_SIZE = 64;

/** The bytes of struct seccomp_data on a little-endian machine. */
function dataBytes(data: SeccompData): Buffer {
  const buf = Buffer.alloc(SECCOMP_DATA_SIZE);
  buf.writeInt32LE(data.nr | 0, 0);
  buf.writeUInt32LE(data.arch >>> 0, 4);
  buf.writeBigUInt64LE(data.instructionPointer ?? 0n, 8);
  (data.args ?? []).forEach((arg, i) => buf.writeBigUInt64LE(BigInt.asUintN(64, arg), 16 + 8 * i));
  return buf;
}

export function simulate(program: Buffer | readonly Instruction[], data: SeccompData): SimulationResult {
  const insns = Buffer.isBuffer(program) ? decodeProgram(program) : program;
  if (insns.length === 0 || insns.length > BPF_MAXINSNS) throw new Error(`a filter has 1 to ${BPF_MAXINSNS} instructions, got ${insns.length}`);
  const bytes = dataBytes(data);
  let a = 0;
  let pc = 0;
  let steps = 0;
  for (;;) {
    if (pc >= insns.length) throw new Error(`the filter ran off its end at instruction ${pc}`);
    const { code, jt, jf, k } = insns[pc];
    steps++;
    const jump = (taken: boolean): void => {
      pc += 1 + (taken ? jt : jf);
    };
    switch (code) {
      case BPF_LD_W_ABS:
        if (k % 4 !== 0 || k + 4 > SECCOMP_DATA_SIZE) throw new Error(`instruction ${pc} loads outside seccomp_data (offset ${k})`);
        a = bytes.readUInt32LE(k);
        pc++;
        break;
      case BPF_ALU_AND_K:
        a = (a & k) >>> 0;
        pc++;
        break;
      case BPF_JMP_JA:
        pc += 1 + k;
        break;
      case BPF_JMP_JEQ_K:
        jump(a === k >>> 0);
        break;
      case BPF_JMP_JGT_K:
        jump(a > k >>> 0);
        break;
      case BPF_JMP_JGE_K:
        jump(a >= k >>> 0);
        break;
      case BPF_JMP_JSET_K:
        jump((a & k) !== 0);
        break;
      case BPF_RET_K:
        return { action: k >>> 0, steps };
      default:
        throw new Error(`instruction ${pc} has an opcode the compiler never emits: 0x${code.toString(16)}`);
    }
  }
}
