// The entry of dist/helper/runtime-cli.js, which runtime.js (start.ts) loads: the runtime's command line
// on its own, without the rest of the helper, so that each call starts as fast as Node can.
import { runtimeCommand } from './runtimeCommand';

void runtimeCommand(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
