// The @vscode/test-electron runner, for machines that can download VS Code builds (these cannot, so CI
// uses code-server in test/e2e instead). It starts a daemon on a temporary socket, bundles the in-editor
// suite and runs it inside a downloaded VS Code with the extension under development.
//   npm run test:electron
import { build } from 'esbuild';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO, privateTempDir, startDaemon } from '../support/daemonProcess';

async function main(): Promise<void> {
  const tmp = privateTempDir('berth-electron-');
  const socketPath = join(tmp.path, 'run', 'berth.sock');
  const daemon = await startDaemon(socketPath, join(tmp.path, 'root'));
  const suite = join(REPO, 'dist', 'electron-tests', 'suite.js');
  await build({
    entryPoints: [join(__dirname, 'suite.ts')],
    outfile: suite,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
  });
  try {
    await runTests({
      extensionDevelopmentPath: REPO,
      extensionTestsPath: suite,
      launchArgs: ['--disable-extensions', '--no-sandbox', tmp.path],
      extensionTestsEnv: { BERTH_TEST_SOCKET: socketPath },
    });
  } finally {
    await daemon.stop();
    tmp.remove();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
