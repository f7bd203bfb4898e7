// Lint enforces the Temporal workflow sandbox: code under src/workflows/ and src/shared/ is replayed
// deterministically inside a V8 isolate, so it may not pull in Node builtins, I/O libraries or
// activity implementations (activities are referenced by type only, through proxyActivities).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export const workflowSandboxRule = [
  'error',
  {
    paths: [
      ...nodeBuiltins.map((name) => ({
        name,
        message: 'Workflows run in the deterministic sandbox: no Node builtins (use an activity).',
      })),
      { name: 'ky', message: 'Workflows do no I/O: call an activity instead of ky.' },
      {
        name: 'zod',
        allowTypeImports: true,
        message: 'Workflows do not import zod: validate in an activity (validateProvisionRequest).',
      },
      { name: '@temporalio/activity', message: 'Activity context is not available in workflows.' },
      { name: '@temporalio/client', message: 'Workflows cannot use the Temporal client.' },
      { name: '@temporalio/worker', message: 'Workflows cannot import the worker.' },
    ],
    patterns: [
      {
        group: ['**/activities', '**/activities/**'],
        allowTypeImports: true,
        message:
          'Import activities as types only (import type) and call them through proxyActivities.',
      },
      {
        group: [
          '**/aep',
          '**/aep/**',
          '**/emulator',
          '**/emulator/**',
          '**/config',
          '**/worker',
          '**/client',
          '**/api/**',
        ],
        allowTypeImports: true,
        message: 'Workflows may only import types from I/O modules.',
      },
    ],
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'dist-emulator/**',
      '.tools/**',
      '.data/**',
      'artifacts/**',
      'coverage/**',
      'test/fixtures/**',
      'jest.config.js',
      'eslint.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The lint fixtures (deliberate sandbox violations) sit outside tsconfig on purpose.
        projectService: { allowDefaultProject: ['test/fixtures/lint/workflows/*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
  {
    // Workflow code, and every module it imports (src/shared/: names, plan rules, types): a rule
    // changed there changes what open runs decide, so it is held to the same sandbox.
    files: ['src/workflows/**/*.ts', 'src/shared/**/*.ts', 'test/fixtures/lint/workflows/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': workflowSandboxRule,
    },
  },
  {
    // The product stays readable in small pieces: a file of one concern, a function of one act.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
