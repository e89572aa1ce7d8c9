// The checks the kernel makes on a classic BPF seccomp filter before accepting it (bpf_check_classic and
// seccomp_check_filter), for the instructions the compiler emits. The compiler runs them on its own output,
// so that a compiler bug shows as an error naming the instruction rather than as EINVAL from seccomp(2).
import {
  BPF_ALU_AND_K,
  BPF_JMP_JA,
  BPF_JMP_JEQ_K,
  BPF_JMP_JGE_K,
  BPF_JMP_JGT_K,
  BPF_JMP_JSET_K,
  BPF_LD_W_ABS,
  BPF_MAX_JUMP,
  BPF_MAXINSNS,
  BPF_RET_K,
  type Instruction,
} from './bpf';

const SECCOMP_DATA_SIZE = 64;
const CONDITIONAL = new Set([BPF_JMP_JEQ_K, BPF_JMP_JGT_K, BPF_JMP_JGE_K, BPF_JMP_JSET_K]);

/** Throws, naming the instruction, when the kernel would refuse `program`. */
export function verifyProgram(program: readonly Instruction[]): void {
  if (program.length === 0 || program.length > BPF_MAXINSNS) {
    throw new Error(`a seccomp filter has 1 to ${BPF_MAXINSNS} instructions, this one ${program.length}`);
  }
  program.forEach(({ code, jt, jf, k }, i) => {
    const fail = (why: string): never => {
      throw new Error(`BPF instruction ${i} (code 0x${code.toString(16)}, jt ${jt}, jf ${jf}, k 0x${(k >>> 0).toString(16)}): ${why}`);
    };
    const inside = (offset: number): void => {
      if (i + 1 + offset >= program.length) fail(`jumps to ${i + 1 + offset}, past the end (${program.length} instructions)`);
    };
    if (code === BPF_LD_W_ABS) {
      if (k % 4 !== 0 || k + 4 > SECCOMP_DATA_SIZE) fail('loads outside struct seccomp_data or unaligned');
    } else if (CONDITIONAL.has(code)) {
      if (jt > BPF_MAX_JUMP || jf > BPF_MAX_JUMP) fail('jump offset does not fit 8 bits');
      inside(jt);
      inside(jf);
    } else if (code === BPF_JMP_JA) {
      inside(k);
    } else if (code !== BPF_RET_K && code !== BPF_ALU_AND_K) {
      fail('opcode not used in seccomp filters made here');
    }
  });
  if (program[program.length - 1].code !== BPF_RET_K) {
    throw new Error(`the last BPF instruction (${program.length - 1}) must return`);
  }
}
