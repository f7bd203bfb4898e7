import type { Command } from 'commander';
import { newApiKey } from '../api/auth';
import { InvalidRequestError } from '../request';
import { globalOptions, out } from './output';

/** `api-key`: a new HTTP API key, printed once, and its API_KEYS entry (hash only). */
export function addApiKeyCommand(program: Command): void {
  program
    .command('api-key')
    .description('make a new HTTP API key; prints the key once and its API_KEYS entry (hash only)')
    .requiredOption('--id <id>', 'a name for the key (logged on each request it makes)')
    .option('--sandbox <sandbox...>', 'sandboxes the key may touch')
    .option('--all-sandboxes', 'the key may touch every sandbox')
    .action((cmd: { id: string; sandbox?: string[]; allSandboxes?: boolean }) => {
      const opts = globalOptions(program);
      if (!cmd.allSandboxes && !cmd.sandbox?.length) {
        throw new InvalidRequestError(['give --sandbox <sandbox...> or --all-sandboxes']);
      }
      const { key, entry } = newApiKey(cmd.id, cmd.allSandboxes ? '*' : cmd.sandbox!);
      out(opts, { key, entry }, () =>
        [
          `key         ${key}`,
          `API_KEYS    ${entry}`,
          '',
          'Give the key to the caller (it is shown once); add the entry to API_KEYS (entries are separated by ;).',
        ].join('\n'),
      );
    });
}
