/**
 * exec-as for arm64: the same program as the amd64 one (see x86-64.ts), assembled from the
 * listing beside each instruction word. `adr` and branch offsets assume the messages follow the
 * code in the order of MESSAGES.
 */

/** Instruction words and their assembly, in order. */
export const AARCH64_CODE: readonly (readonly [number, string])[] = [
  // _start: x20 = argc, x21 = &argv[0], x22 = envp
  [0xf94003f4, 'ldr x20, [sp]'],
  [0x910023f5, 'add x21, sp, #8'],
  [0x8b140eb6, 'add x22, x21, x20, lsl #3'],
  [0x910022d6, 'add x22, x22, #8'],
  [0xf100169f, 'cmp x20, #5'],
  [0x54000663, 'b.lo fail'],
  [0x910022b5, 'add x21, x21, #8'],
  [0xf94002a0, 'ldr x0, [x21]'],
  [0x94000039, 'bl atoi'],
  [0xaa0003f7, 'mov x23, x0           // uid'],
  [0xf94006a0, 'ldr x0, [x21, #8]'],
  [0x94000036, 'bl atoi'],
  [0xaa0003f8, 'mov x24, x0           // gid'],
  [0xf9400aa0, 'ldr x0, [x21, #16]'],
  [0x94000033, 'bl atoi'],
  [0xaa0003f9, 'mov x25, x0           // number of groups'],
  [0x91001729, 'add x9, x25, #5'],
  [0xeb14013f, 'cmp x9, x20'],
  [0x540004c8, 'b.hi fail             // fewer arguments than the count says'],
  [0x910062b5, 'add x21, x21, #24'],
  [0xd37ef729, 'lsl x9, x25, #2'],
  [0x91003d29, 'add x9, x9, #15'],
  [0x927ced29, 'and x9, x9, #-16'],
  [0xcb2963ff, 'sub sp, sp, x9        // the gid_t array'],
  [0x910003fa, 'mov x26, sp'],
  [0xd280001b, 'mov x27, #0'],
  // groups:
  [0xeb19037f, 'cmp x27, x25'],
  [0x540000c2, 'b.hs parsed'],
  [0xf87b7aa0, 'ldr x0, [x21, x27, lsl #3]'],
  [0x94000024, 'bl atoi'],
  [0xb83b7b40, 'str w0, [x26, x27, lsl #2]'],
  [0x9100077b, 'add x27, x27, #1'],
  [0x17fffffa, 'b groups'],
  // parsed:
  [0x8b190eb5, 'add x21, x21, x25, lsl #3   // &PATH'],
  [0xaa1903e0, 'mov x0, x25'],
  [0xaa1a03e1, 'mov x1, x26'],
  [0xd28013e8, 'mov x8, #159          // setgroups'],
  [0xd4000001, 'svc #0'],
  [0xb7f80240, 'tbnz x0, #63, fail'],
  [0xaa1803e0, 'mov x0, x24'],
  [0xd2801208, 'mov x8, #144          // setgid'],
  [0xd4000001, 'svc #0'],
  [0xb7f801c0, 'tbnz x0, #63, fail'],
  [0xaa1703e0, 'mov x0, x23'],
  [0xd2801248, 'mov x8, #146          // setuid'],
  [0xd4000001, 'svc #0'],
  [0xb7f80140, 'tbnz x0, #63, fail'],
  [0xf94002a0, 'ldr x0, [x21]'],
  [0x910022a1, 'add x1, x21, #8'],
  [0xaa1603e2, 'mov x2, x22'],
  [0xd2801ba8, 'mov x8, #221          // execve'],
  [0xd4000001, 'svc #0'],
  [0x500004a1, 'adr x1, noexec'],
  [0xd2800542, 'mov x2, #noexec.length'],
  [0xd2800ff3, 'mov x19, #127'],
  [0x14000004, 'b die'],
  // fail:
  [0x10000241, 'adr x1, nouser'],
  [0xd28007c2, 'mov x2, #nouser.length'],
  [0xd2800fd3, 'mov x19, #126'],
  // die:
  [0xd2800040, 'mov x0, #2'],
  [0xd2800808, 'mov x8, #64           // write'],
  [0xd4000001, 'svc #0'],
  [0xaa1303e0, 'mov x0, x19'],
  [0xd2800ba8, 'mov x8, #93           // exit'],
  [0xd4000001, 'svc #0'],
  // atoi: x0 = decimal string → x0
  [0xaa0003e1, 'mov x1, x0'],
  [0xd2800000, 'mov x0, #0'],
  [0xd2800143, 'mov x3, #10'],
  [0x38401422, 'ldrb w2, [x1], #1'],
  [0x34000082, 'cbz w2, number'],
  [0xd100c042, "sub x2, x2, #'0'"],
  [0x9b030800, 'madd x0, x0, x3, x2'],
  [0x17fffffc, 'b digit'],
  [0xd65f03c0, 'ret'],
];

/** The code as bytes (little-endian words). */
export function aarch64Code(): Buffer {
  const out = Buffer.alloc(AARCH64_CODE.length * 4);
  AARCH64_CODE.forEach(([word], i) => out.writeUInt32LE(word, i * 4));
  return out;
}
