/// <reference types="vite/client" />
/** The toolkit's code version (`<package version>+<src digest>`), injected at build time by lab/config.ts. */
declare const __LMECH_CODE_VERSION__: string;
