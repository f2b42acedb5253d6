/** Number formatting shared by the studies' group labels and notes. */

/** A short label for a number: 3 significant digits, no trailing zeros (`0.0200` → `0.02`, `1234` → `1230`). */
export const sig3 = (v: number): string => String(Number(v.toPrecision(3)));
