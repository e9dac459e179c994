import { createVitestConfig } from './src/index.ts';

export default createVitestConfig();
