/**
 * The sharpness (top Hessian eigenvalue) of a two-layer deep linear network along Saxe's solution, for
 * catalog 17 (`dln-progressive-sharpening`); the mode strengths u along the solution are Saxe's (./saxe.ts).
 *
 * Loss L(W₁, W₂) = ½‖W₂W₁ − T‖²_F (whitened inputs), T = Σ_μ s_μ u_μ v_μᵀ. Its second variation is
 *   ∇²L[Δ, Δ] = ‖Δ₂W₁ + W₂Δ₁‖²_F + 2⟨R, Δ₂Δ₁⟩,   R = W₂W₁ − T.
 * At a balanced, task-aligned point (W₁ = Σ_μ √u_μ r_μ v_μᵀ, W₂ = Σ_μ √u_μ u_μ r_μᵀ with orthonormal hidden
 * directions r_μ; Saxe, McClelland & Ganguli 2014) rotate Δ₁ = Σ A_{iq} r_i v_qᵀ, Δ₂ = Σ B_{pi} u_p r_iᵀ. With
 * ρ_μ = u_μ − s_μ the form splits into independent blocks:
 *   - one 2×2 block per mode p, on (B_pp, A_pp):   [[u_p, 2u_p − s_p], [2u_p − s_p, u_p]],
 *     eigenvalues u_p ± |2u_p − s_p| (the scalar model ½(ab − s)² at a = b = √u);
 *   - one 4×4 block per pair p ≠ i, on (B_pi, A_pi, B_ip, A_ip):
 *       w₁w₁ᵀ + w₂w₂ᵀ + ρ_p(e₁e₄ᵀ + e₄e₁ᵀ) + ρ_i(e₂e₃ᵀ + e₃e₂ᵀ),  w₁ = (√u_i, √u_p, 0, 0), w₂ = (0, 0, √u_p, √u_i);
 *   - blocks that touch a direction outside the modes (a zero mode) have eigenvalues u_μ or 0.
 * (Derivation: the first term is ‖B E₁ + E₂ A‖² with E₁, E₂ the rectangular diagonals of √u, which couples
 * B_pq with A_pq; the second is 2Σ_p ρ_p Σ_i B_pi A_ip.) So the sharpness along the solution is
 *   S = max( max_p [u_p + |2u_p − s_p|],  max_{p<i} λ_max(4×4 block) ).
 * Limits: at u → 0 (the saddle at the origin) S = s₁; at the balanced global minimum (u = s) S = max(2s₁,
 * s_p + s_i) = 2s₁. Progressive sharpening in DLNs: Even, Pesme, Gunasekar & Flammarion 2023; Yoo et al. 2025.
 */
import { eigvalsh } from '../core/linalg.ts';

/** S at the balanced aligned point with mode strengths u (same order as s). */
export function balancedDlnSharpness(u: readonly number[], s: readonly number[]): number {
  if (u.length !== s.length) throw new Error(`balancedDlnSharpness: u has ${u.length} entries, s has ${s.length}; expected one strength per singular value`);
  let best = 0;
  for (let p = 0; p < u.length; p++) {
    if (!(u[p] >= 0)) throw new Error(`balancedDlnSharpness: u[${p}] = ${u[p]}, expected a number ≥ 0`);
    best = Math.max(best, u[p] + Math.abs(2 * u[p] - s[p]), u[p]);
  }
  for (let p = 0; p < u.length; p++) {
    for (let i = p + 1; i < u.length; i++) {
      const a = Math.sqrt(u[i]);
      const b = Math.sqrt(u[p]);
      const rp = u[p] - s[p];
      const ri = u[i] - s[i];
      // rows/cols: (B_pi, A_pi, B_ip, A_ip)
      const m = new Float64Array(16);
      m[0] = a * a;
      m[1] = m[4] = a * b;
      m[5] = b * b;
      m[10] = b * b;
      m[11] = m[14] = a * b;
      m[15] = a * a;
      m[3] = m[12] = rp;
      m[6] = m[9] = ri;
      const ev = eigvalsh({ rows: 4, cols: 4, data: m });
      best = Math.max(best, ev[3]);
    }
  }
  return best;
}
