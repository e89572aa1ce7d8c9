// Lint, including the architecture's rules: the data flows one way (extension -> protocol <- helper API ->
// engine -> runtime -> linux), only the linux layer touches koffi, only the protocol is shared.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];

/** What any extension module may not import. */
const extensionImports = [
  { group: ['koffi'], message: 'The extension never calls libc.' },
  {
    regex: 'helper/src/(?!protocol(/(jsonrpc|constants|client|schemas|ports|version|frames|backoff))?$)',
    message: 'The extension shares only the protocol module with the helper (import helper/src/protocol).',
  },
  // The protocol's index builds every schema when loaded: the extension takes types from it, and values
  // from the modules that build none (schemas() builds them on first use).
  {
    regex: 'helper/src/protocol$',
    allowTypeImports: true,
    message: 'Import only types from helper/src/protocol; values from protocol/jsonrpc, /constants, /client, /schemas, /ports, /version, /frames or /backoff.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['helper/src/**/*.ts'],
    ignores: ['helper/src/linux/**'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['koffi'], message: 'Only helper/src/linux calls libc through koffi.' },
        { group: ['vscode', '**/extension/**'], message: 'The helper never imports the extension.' },
      ]),
    },
  },
  {
    // Below the API: the engine and the layers under it hand objects, iterables and sinks up; they never
    // write to the wire themselves.
    files: ['helper/src/{engine,files,runtime,images,cgroups,events,fs,logging}/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['koffi'], message: 'Only helper/src/linux calls libc through koffi.' },
        { group: ['vscode', '**/extension/**'], message: 'The helper never imports the extension.' },
        { group: ['**/api', '**/api/**', '**/daemon/**', '**/cli/**'], message: 'The layers below the API know nothing of it: give the API an object, an async iterable or a sink to adapt.' },
      ]),
    },
  },
  {
    files: ['helper/src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['../*', '!./*', 'koffi', 'node:*', 'ws', 'ssh2', 'vscode'], message: 'The protocol is types and schemas only: it imports nothing but zod and itself.' },
      ]),
    },
  },
  {
    files: ['extension/src/**/*.ts'],
    ignores: ['extension/src/extension.ts', 'extension/src/activation/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict([
        ...extensionImports,
        // The activation and the core are two bundles in one file (esbuild.mjs): a module both imported
        // would exist twice, with two states. Between them go types, and the constants in activation/ids.
        {
          regex: '(^|/)activation/(?!ids$)',
          allowTypeImports: true,
          message: 'The core takes only types from extension/src/activation (values: activation/ids).',
        },
      ]),
    },
  },
  // The activation loads nothing of the core but its text: types only from the rest of extension/src.
  ...[
    ['extension/src/extension.ts', '^\\./(?!activation/)'],
    ['extension/src/activation/**', '^\\.\\./'],
  ].map(([file, outside]) => ({
    files: [file],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict([
        ...extensionImports,
        {
          regex: outside,
          allowTypeImports: true,
          message: 'The activation imports only types from the core; its values come when loadCore compiles it.',
        },
      ]),
    },
  })),
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
