import { createVitestConfig } from '@airlock/vitest-config';

export default createVitestConfig();
