// The helper's version is the package's: the extension compares it with its own to decide whether a
// target's helper must be replaced. esbuild inlines just this field of package.json.
import { version } from '../../package.json';

export const HELPER_VERSION: string = version;
