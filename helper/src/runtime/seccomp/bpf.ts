// Classic BPF, the instruction set seccomp filters are written in: encoding to `struct sock_filter` and a
// builder whose jumps name labels instead of counting instructions. Conditional jumps carry 8-bit offsets
// (at most 255 instructions forward), which a profile of hundreds of syscalls easily exceeds; the builder
// lays the program out as written and then repairs every jump that is too long by putting a stepping stone
// right after it (a copy of the target when that is a `ret`, else an unconditional `ja`, whose offset is
// 32 bits), the same repair libseccomp makes.

// Opcodes used by the compiler (linux/bpf_common.h): class | size | mode | op | source.
export const BPF_LD_W_ABS = 0x20; // A = *(u32 *)(seccomp_data + k)
export const BPF_ALU_AND_K = 0x54; // A &= k
export const BPF_JMP_JA = 0x05; // pc += k
export const BPF_JMP_JEQ_K = 0x15; // pc += (A == k) ? jt : jf
export const BPF_JMP_JGT_K = 0x25; // pc += (A > k) ? jt : jf   (unsigned)
export const BPF_JMP_JGE_K = 0x35; // pc += (A >= k) ? jt : jf  (unsigned)
export const BPF_JMP_JSET_K = 0x45; // pc += (A & k) ? jt : jf
export const BPF_RET_K = 0x06; // return k

/** The kernel refuses longer programs (BPF_MAXINSNS in linux/bpf_common.h). */
export const BPF_MAXINSNS = 4096;
/** jt and jf are u8. */
export const BPF_MAX_JUMP = 255;
/** sizeof(struct sock_filter): u16 code, u8 jt, u8 jf, u32 k. */
export const SOCK_FILTER_SIZE = 8;

export interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** struct sock_filter[] in the machine's byte order (little-endian on both x86_64 and aarch64). */
export function encodeProgram(program: readonly Instruction[]): Buffer {
  const buf = Buffer.alloc(program.length * SOCK_FILTER_SIZE);
  program.forEach((insn, i) => {
    const at = i * SOCK_FILTER_SIZE;
    buf.writeUInt16LE(insn.code, at);
    buf.writeUInt8(insn.jt, at + 2);
    buf.writeUInt8(insn.jf, at + 3);
    buf.writeUInt32LE(insn.k >>> 0, at + 4);
  });
  return buf;
}

export function decodeProgram(buf: Buffer): Instruction[] {
  if (buf.length % SOCK_FILTER_SIZE !== 0) throw new Error(`a BPF program is a multiple of 8 bytes, got ${buf.length}`);
  const program: Instruction[] = [];
  for (let at = 0; at < buf.length; at += SOCK_FILTER_SIZE) {
    program.push({ code: buf.readUInt16LE(at), jt: buf.readUInt8(at + 2), jf: buf.readUInt8(at + 3), k: buf.readUInt32LE(at + 4) });
  }
  return program;
}

/** A place in the program; bind it, and the next instruction emitted is where it points. */
export class Label {
  /** @internal the instruction this label points at, set when it is bound and that instruction emitted */
  op: Op | undefined;
}

type Op =
  | { kind: 'plain'; code: number; k: number }
  | { kind: 'ret'; k: number }
  | { kind: 'cond'; code: number; k: number; jt: Label; jf: Label }
  | { kind: 'ja'; target: Label };

export class ProgramBuilder {
  private readonly ops: Op[] = [];
  private pending: Label[] = [];

  label(): Label {
    return new Label();
  }

  /** Points `label` at the next instruction emitted. */
  bind(label: Label): void {
    if (label.op || this.pending.includes(label)) throw new Error('internal: BPF label bound twice');
    this.pending.push(label);
  }

  load(offset: number): void {
    this.emit({ kind: 'plain', code: BPF_LD_W_ABS, k: offset });
  }

  and(mask: number): void {
    this.emit({ kind: 'plain', code: BPF_ALU_AND_K, k: mask });
  }

  /** A conditional jump (BPF_JMP_JEQ_K, _JGT_K, _JGE_K, _JSET_K): to `jt` when the test holds, else to `jf`. */
  jump(code: number, k: number, jt: Label, jf: Label): void {
    this.emit({ kind: 'cond', code, k, jt, jf });
  }

  goto(target: Label): void {
    this.emit({ kind: 'ja', target });
  }

  ret(k: number): void {
    this.emit({ kind: 'ret', k });
  }

  private emit(op: Op): void {
    for (const label of this.pending) label.op = op;
    this.pending = [];
    this.ops.push(op);
  }

  /** Resolves labels to offsets, inserting stepping stones for jumps longer than 255. */
  build(): Instruction[] {
    if (this.pending.length > 0) throw new Error('internal: BPF label bound after the last instruction');
    const ops = [...this.ops];
    // Each pass fixes the first jump that is too long; insertions only lengthen jumps that span them, and a
    // repaired branch then points one or two instructions ahead, so this ends after at most one stone per branch.
    for (;;) {
      const index = new Map(ops.map((op, i) => [op, i]));
      const distance = (from: number, label: Label): number => {
        const to = label.op === undefined ? undefined : index.get(label.op);
        if (to === undefined) throw new Error('internal: BPF jump to an unbound label');
        if (to <= from) throw new Error('internal: BPF jumps only go forward');
        return to - from - 1;
      };
      const tooLong = ops.findIndex(
        (op, i) => op.kind === 'cond' && (distance(i, op.jt) > BPF_MAX_JUMP || distance(i, op.jf) > BPF_MAX_JUMP),
      );
      if (tooLong === -1) {
        return ops.map((op, i): Instruction => {
          switch (op.kind) {
            case 'plain':
              return { code: op.code, jt: 0, jf: 0, k: op.k };
            case 'ret':
              return { code: BPF_RET_K, jt: 0, jf: 0, k: op.k };
            case 'ja':
              return { code: BPF_JMP_JA, jt: 0, jf: 0, k: distance(i, op.target) };
            case 'cond':
              return { code: op.code, jt: distance(i, op.jt), jf: distance(i, op.jf), k: op.k };
          }
        });
      }
      const op = ops[tooLong] as Extract<Op, { kind: 'cond' }>;
      const branch = distance(tooLong, op.jt) > BPF_MAX_JUMP ? 'jt' : 'jf';
      const target = op[branch].op as Op;
      // A return is as short as a jump and saves the hop.
      const stone: Op = target.kind === 'ret' ? { kind: 'ret', k: target.k } : { kind: 'ja', target: op[branch] };
      const stoneLabel = new Label();
      stoneLabel.op = stone;
      ops.splice(tooLong + 1, 0, stone);
      op[branch] = stoneLabel;
    }
  }
}
