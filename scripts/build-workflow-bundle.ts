/**
 * Prebuilds the workflow bundle (src/workflows and everything it imports, webpacked for the
 * worker's deterministic sandbox) into one file. A worker started with WORKFLOW_BUNDLE_PATH
 * pointing at it loads the file instead of bundling at start: faster starts, no webpack work in
 * production, and the exact workflow code that was tested ships in the image.
 *
 *   npm run build:workflow-bundle                   # → dist/workflow-bundle.js
 *   npm run build:workflow-bundle -- --out some/file.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../src/worker';

export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

export async function buildWorkflowBundle(outFile: string = DEFAULT_BUNDLE_PATH): Promise<string> {
  const quiet = () => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: {
      log: quiet,
      trace: quiet,
      debug: quiet,
      info: quiet,
      warn: (m: string) => process.stderr.write(`workflow bundle: ${m}\n`),
      error: (m: string) => process.stderr.write(`workflow bundle: ${m}\n`),
    },
  });
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return outFile;
}

if (require.main === module) {
  const opts = new Command('build-workflow-bundle')
    .option('--out <file>', 'where to write the bundle', DEFAULT_BUNDLE_PATH)
    .parse()
    .opts<{ out: string }>();
  buildWorkflowBundle(path.resolve(opts.out)).then(
    (file) => process.stdout.write(`workflow bundle written to ${path.relative('.', file)}\n`),
    (err: unknown) => {
      process.stderr.write(
        `workflow bundle: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
