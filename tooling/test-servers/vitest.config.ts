import { createVitestConfig } from '@airlock/vitest-config';

// The package's own global setup runs here too, so the path other packages use is tested.
export default createVitestConfig({ test: { globalSetup: ['./src/vitest-global-setup.ts'] } });
