import type { UserConfig } from 'vite';
export declare const LAB_ROOT: string;
export declare const REPO_ROOT: string;
/** Headers that make the page cross-origin isolated (SharedArrayBuffer for pausing the worker). */
export declare const ISOLATION_HEADERS: Record<string, string>;
export interface LabConfigOptions {
    /** Output folder of `vite build` (default lab/dist). */
    outDir?: string;
    /** Vite's log level (default 'info'). */
    logLevel?: 'info' | 'warn' | 'error' | 'silent';
}
export declare function labConfig(opts?: LabConfigOptions): UserConfig;
