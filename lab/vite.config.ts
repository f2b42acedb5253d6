/** `npm run lab` (Vite dev server) and `vite build --config lab/vite.config.ts`: see ./config.ts. */
import { defineConfig } from 'vite';
import { labConfig } from './config.ts';

export default defineConfig(labConfig());
