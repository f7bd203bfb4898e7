/**
 * `npm run contract`: writes contract/ — the JSON Schema (2020-12) of the provisioning request and
 * result, of the teardown request and result, and the HTTP API's OpenAPI 3.1 document — from the
 * zod schemas (src/request.ts, src/api/schemas.ts), the one source of truth. Provisioning systems
 * in other languages generate their types from these files. test/api/contract.test.ts fails when
 * the committed files are stale.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as babel from 'prettier/plugins/babel';
import * as estree from 'prettier/plugins/estree';
import { format } from 'prettier/standalone';
import { contractFiles } from '../src/api/openapi';

export const CONTRACT_DIR = path.resolve(__dirname, '..', 'contract');

/** The files' text, formatted as the repository's Prettier would (so `prettier --check` agrees). */
export async function renderContract(): Promise<Record<string, string>> {
  // The standalone build with its JSON plugins: no dynamic imports, so jest can run it too.
  const options = JSON.parse(
    readFileSync(path.resolve(__dirname, '..', '.prettierrc.json'), 'utf8'),
  ) as object;
  const out: Record<string, string> = {};
  for (const [file, doc] of Object.entries(contractFiles())) {
    out[file] = await format(JSON.stringify(doc), {
      ...options,
      parser: 'json',
      plugins: [babel, estree],
    });
  }
  return out;
}

async function main(): Promise<void> {
  mkdirSync(CONTRACT_DIR, { recursive: true });
  for (const [file, text] of Object.entries(await renderContract())) {
    writeFileSync(path.join(CONTRACT_DIR, file), text);
    process.stdout.write(`wrote contract/${file}\n`);
  }
}

if (require.main === module) {
  void main();
}
