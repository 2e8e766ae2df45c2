/**
 * `cube completion bash|zsh`: prints the shell completion script, generated from every command's
 * own option table (see ../completion.ts).
 */
import { bashCompletion, zshCompletion } from '../completion.js';
import type { CompletionCommand } from '../completion.js';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { commands } from './index.js';

const usage = `Usage: cube completion bash|zsh

Prints a completion script for the shell: commands, each command's options, the values an
option takes from a fixed set (--format, --log-format, --skip …) and file names elsewhere.

  bash   load it now with  source <(cube completion bash)
         or for good with  cube completion bash > ~/.local/share/bash-completion/completions/cube
  zsh    save it as _cube in a directory on $fpath:  cube completion zsh > ~/.zfunc/_cube
         (with fpath+=(~/.zfunc) before compinit in ~/.zshrc), or  source <(cube completion zsh)
`;

const options = {} as const;

const SHELLS = ['bash', 'zsh'] as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { positionals } = parseCommandArgs('completion', args, options);
  const [shell, ...rest] = positionals;
  if (rest.length > 0 || shell === undefined || !(SHELLS as readonly string[]).includes(shell)) throw usageError('completion', 'shell', { shells: SHELLS.join(' or ') });
  const loaded: CompletionCommand[] = [];
  for (const entry of commands) {
    const command = await entry.load();
    loaded.push({ name: entry.name, summary: entry.summary, usage: command.usage, options: command.options, ...(command.completion ? { completion: command.completion } : {}) });
  }
  context.stdout.write(shell === 'bash' ? bashCompletion(loaded) : zshCompletion(loaded));
  return ExitCode.ok;
}

/** `cube completion`. */
export const completionCommand: Command = { usage, options, completion: { words: SHELLS }, run };
