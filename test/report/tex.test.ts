import { describe, expect, it } from 'vitest';
import { texToText } from '../../src/report/tex.ts';

describe('texToText', () => {
  it('renders the edge-of-stability formula readably', () => {
    expect(texToText('\\lambda_{\\max}\\big(\\nabla^2 L(\\theta_t)\\big) \\uparrow 2/\\eta, \\quad \\text{then}\\ \\lambda_{\\max} \\approx 2/\\eta')).toBe(
      'λₘₐₓ(∇² L(θₜ)) ↑ 2/η,\u2003then λₘₐₓ ≈ 2/η',
    );
  });
  it('renders fractions, exponents without Unicode forms, and subscripts', () => {
    expect(texToText('u(\\tau) = \\frac{s}{1 + (s/u_0 - 1)e^{-2s\\tau}}')).toBe('u(τ) = s/(1 + (s/u₀ − 1)e^(−2sτ))');
    expect(texToText('n^{-1/2}')).toBe('n^(−1/2)');
    expect(texToText('n^{-1}')).toBe('n⁻¹');
    expect(texToText('\\sqrt{d}')).toBe('√d');
    expect(texToText('f^{\\rm lin}')).toBe('f^(lin)');
  });
  it('keeps unknown commands and survives unbalanced input', () => {
    expect(texToText('\\unknowncmd x')).toBe('\\unknowncmd x');
    expect(() => texToText('\\frac{1')).not.toThrow();
    expect(texToText('')).toBe('');
  });
});
