/** PROVISIONAL theory registry (saxe only); replaced by the theory library's registry. */
import { z } from 'zod';
import { saxeModeStrengths } from './saxe.ts';

export interface TheoryFunction {
  description: string;
  paper: string;
  input: z.ZodType;
  run(input: never): unknown;
}

const SaxeInput = z.object({
  singularValues: z.array(z.number().positive()).min(1),
  init: z.number().positive(),
  depth: z.number().int().min(2),
  times: z.array(z.number().nonnegative()).min(1),
});

export const THEORY_FUNCTIONS: Record<string, { description: string; paper: string; input: z.ZodType; run(input: unknown): unknown }> = {
  saxe: {
    description: 'deep linear network mode strengths under gradient flow',
    paper: 'Saxe, McClelland & Ganguli 2014',
    input: SaxeInput,
    run: (input) => saxeModeStrengths(input as z.infer<typeof SaxeInput>),
  },
};
