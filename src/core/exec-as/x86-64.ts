/**
 * exec-as for amd64, assembled from the listing beside each instruction (Intel syntax). The
 * program reads `exec-as UID GID N G1…GN PATH ARG0 ARGS…`, calls setgroups(N, [G…]),
 * setgid(GID), setuid(UID) and execve(PATH, [ARG0, ARGS…], envp). Any failed call writes one
 * line to stderr and exits 126 (identity) or 127 (exec), as a shell does. Branch and
 * `lea [rip+…]` displacements assume the messages follow the code in the order of MESSAGES.
 */

/** Instruction bytes (hex) and their assembly, in order. */
export const X86_64_CODE: readonly (readonly [string, string])[] = [
  // _start: rbx = argc, r13 = &argv[0], r14 = envp
  ['48 8b 1c 24', 'mov rbx, [rsp]'],
  ['4c 8d 6c 24 08', 'lea r13, [rsp+8]'],
  ['4d 8d 74 dd 08', 'lea r14, [r13+rbx*8+8]'],
  ['48 83 fb 05', 'cmp rbx, 5'],
  ['0f 82 bc 00 00 00', 'jb fail'],
  ['49 83 c5 08', 'add r13, 8'],
  ['49 8b 75 00', 'mov rsi, [r13]'],
  ['e8 d5 00 00 00', 'call atoi'],
  ['49 89 c7', 'mov r15, rax            ; uid'],
  ['49 8b 75 08', 'mov rsi, [r13+8]'],
  ['e8 c9 00 00 00', 'call atoi'],
  ['48 89 c5', 'mov rbp, rax            ; gid'],
  ['49 8b 75 10', 'mov rsi, [r13+16]'],
  ['e8 bd 00 00 00', 'call atoi'],
  ['49 89 c4', 'mov r12, rax            ; number of groups'],
  ['49 8d 44 24 05', 'lea rax, [r12+5]'],
  ['48 39 d8', 'cmp rax, rbx'],
  ['0f 87 86 00 00 00', 'ja fail                ; fewer arguments than the count says'],
  ['49 83 c5 18', 'add r13, 24'],
  ['4a 8d 04 a5 0f 00 00 00', 'lea rax, [r12*4+15]'],
  ['48 83 e0 f0', 'and rax, -16'],
  ['48 29 c4', 'sub rsp, rax            ; the gid_t array'],
  ['31 db', 'xor ebx, ebx'],
  // groups:
  ['4c 39 e3', 'cmp rbx, r12'],
  ['73 12', 'jae parsed'],
  ['49 8b 74 dd 00', 'mov rsi, [r13+rbx*8]'],
  ['e8 88 00 00 00', 'call atoi'],
  ['89 04 9c', 'mov [rsp+rbx*4], eax'],
  ['48 ff c3', 'inc rbx'],
  ['eb e9', 'jmp groups'],
  // parsed:
  ['4f 8d 6c e5 00', 'lea r13, [r13+r12*8]   ; &PATH'],
  ['b8 74 00 00 00', 'mov eax, 116           ; setgroups'],
  ['4c 89 e7', 'mov rdi, r12'],
  ['48 89 e6', 'mov rsi, rsp'],
  ['0f 05', 'syscall'],
  ['48 85 c0', 'test rax, rax'],
  ['78 43', 'js fail'],
  ['b8 6a 00 00 00', 'mov eax, 106           ; setgid'],
  ['48 89 ef', 'mov rdi, rbp'],
  ['0f 05', 'syscall'],
  ['48 85 c0', 'test rax, rax'],
  ['78 34', 'js fail'],
  ['b8 69 00 00 00', 'mov eax, 105           ; setuid'],
  ['4c 89 ff', 'mov rdi, r15'],
  ['0f 05', 'syscall'],
  ['48 85 c0', 'test rax, rax'],
  ['78 25', 'js fail'],
  ['b8 3b 00 00 00', 'mov eax, 59            ; execve'],
  ['49 8b 7d 00', 'mov rdi, [r13]'],
  ['49 8d 75 08', 'lea rsi, [r13+8]'],
  ['4c 89 f2', 'mov rdx, r14'],
  ['0f 05', 'syscall'],
  ['48 8d 35 89 00 00 00', 'lea rsi, [rip+noexec]'],
  ['ba 2a 00 00 00', 'mov edx, noexec.length'],
  ['bb 7f 00 00 00', 'mov ebx, 127'],
  ['eb 11', 'jmp die'],
  // fail:
  ['48 8d 35 38 00 00 00', 'lea rsi, [rip+nouser]'],
  ['ba 3e 00 00 00', 'mov edx, nouser.length'],
  ['bb 7e 00 00 00', 'mov ebx, 126'],
  // die:
  ['b8 01 00 00 00', 'mov eax, 1             ; write(2, …)'],
  ['bf 02 00 00 00', 'mov edi, 2'],
  ['0f 05', 'syscall'],
  ['b8 3c 00 00 00', 'mov eax, 60            ; exit'],
  ['89 df', 'mov edi, ebx'],
  ['0f 05', 'syscall'],
  // atoi: rsi = decimal string → rax
  ['31 c0', 'xor eax, eax'],
  ['0f b6 0e', 'movzx ecx, byte [rsi]'],
  ['85 c9', 'test ecx, ecx'],
  ['74 0f', 'jz number'],
  ['83 e9 30', "sub ecx, '0'"],
  ['48 6b c0 0a', 'imul rax, rax, 10'],
  ['48 01 c8', 'add rax, rcx'],
  ['48 ff c6', 'inc rsi'],
  ['eb ea', 'jmp digit'],
  ['c3', 'ret'],
];

/** The code as bytes. */
export function x86_64Code(): Buffer {
  return Buffer.from(X86_64_CODE.map(([hex]) => hex.replace(/ /g, '')).join(''), 'hex');
}
