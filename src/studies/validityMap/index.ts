/** Validity maps (issue 16): the shared types, the grid and the summary. Pure: Node and the browser share it. */
export * from './grid.ts';
export * from './summarize.ts';
export type * from './types.ts';
