/**
 * The lab's text: the paper's five bodies of evidence plus mechanisms (one per `Pillar`), and the open
 * directions OD1–OD10 (plus OD11–12 from the companion site), with a hand-made table of which catalog
 * studies touch each. Source: Simon et al. 2026, "There Will Be a Scientific Theory of Deep Learning"
 * (arXiv 2604.21691) §2 and §5, as digested in shared/learning-mechanics.md §1, §3, §5.4, §6.
 *
 * The mapping names catalog ids; the pages link only those present in the registry and list the
 * others as planned, so the lab never depends on a fixed list of studies.
 */
import type { Pillar } from '../../src/studies/types.ts';

export interface PillarInfo {
  pillar: Pillar;
  /** The paper's heading for this body of evidence. */
  title: string;
  section: string;
  /** What it claims. */
  claims: string;
  /** Why it matters. */
  matters: string;
}

export const PILLAR_INFO: Record<Pillar, PillarInfo> = {
  solvable: {
    pillar: 'solvable',
    title: 'Analytically solvable settings exist',
    section: '§2.1, Figure 1',
    claims:
      'Some networks can be solved exactly: deep linear networks (linear in the data) learn the singular modes of the task one by one along sigmoids; very wide networks (linear in the parameters) train like kernel regression with the neural tangent kernel.',
    matters:
      'Like the harmonic oscillator or the hydrogen atom in physics, exact solutions build intuition and act as nucleation sites from which a more general theory can crystallize.',
  },
  limits: {
    pillar: 'limits',
    title: 'Insightful limits reveal fundamental behavior',
    section: '§2.2, Figure 2',
    claims:
      'As width (and depth) grow with the right scaling, training converges to a well-defined limit: the lazy (kernel) limit or the rich, feature-learning limit of μP; finite networks are discretizations of that continuum.',
    matters:
      'A limit removes irrelevant detail while keeping the behaviour that matters, and it says how hyperparameters must scale for small models to predict large ones.',
  },
  laws: {
    pillar: 'laws',
    title: 'Simple empirical laws capture macroscopic statistics',
    section: '§2.3, Figures 3–4',
    claims:
      'Coarse quantities obey simple laws: loss falls as a power of data, parameters and compute; the sharpness rises until it hovers at the edge of stability 2/η; last-layer features collapse onto a simplex; conserved quantities follow from symmetries.',
    matters:
      'Laws like these are the thermodynamics of deep learning: they predict what a run will do without tracking every weight, and a theory must eventually derive them.',
  },
  hyperparameters: {
    pillar: 'hyperparameters',
    title: 'Hyperparameters can be disentangled and understood',
    section: '§2.4, Figure 5',
    claims:
      'Many hyperparameters enter only through a few combinations (learning rate over batch size in the SDE picture, a critical batch size from the gradient noise), and the right parameterization separates architecture from optimization.',
    matters:
      'Like the Reynolds number in fluid dynamics, the right combinations collapse many experiments onto one curve and make tuning transferable across scales.',
  },
  universality: {
    pillar: 'universality',
    title: 'Universal phenomena appear across settings and tasks',
    section: '§2.5, Figure 6',
    claims:
      'Different architectures, seeds and widths learn similar functions and representations, and natural data share universal statistics (power-law spectra, Zipf laws, hierarchy).',
    matters:
      'Behaviour shared by many systems must come from what they share, so a simple description can exist, much as critical phenomena in physics are described by a few universality classes.',
  },
  mechanisms: {
    pillar: 'mechanisms',
    title: 'Beyond the five pillars: how mechanisms form',
    section: '§3.1, OD1, OD11–12',
    claims:
      'Training builds interpretable mechanisms step by step: Fourier features in modular arithmetic (grokking), stepwise low-rank learning from small initialization, learning order set by the data moments.',
    matters:
      'This is where learning mechanics (the "physics") meets mechanistic interpretability (the "biology"): predicting which circuits form, when and why.',
  },
};

export interface OpenProblem {
  id: string;
  question: string;
  summary: string;
  /** Catalog study ids that test a piece of it (shared/learning-mechanics.md §6). */
  studies: string[];
  /** 'paper' for OD1–OD10 (§5), 'site' for the companion site's extra directions. */
  source: 'paper' | 'site';
}

export const OPEN_PROBLEMS: OpenProblem[] = [
  {
    id: 'OD1',
    question: 'What are simple, solvable models of genuinely deep, nonlinear learning?',
    summary: 'Deep linear networks capture nonlinear parameter dynamics and kernels learn nonlinear functions; no framework yet has both, with feature learning, depth and architecture.',
    studies: ['dln-saxe-modes', 'dln-saddle-to-saddle', 'single-index-feature-learning', 'silent-alignment', 'dln-progressive-sharpening', 'grokking-fourier', 'stepwise-low-rank'],
    source: 'paper',
  },
  {
    id: 'OD2',
    question: 'What would a theory capable of capturing natural data look like?',
    summary: 'Networks seem to learn from a few sufficient statistics of the data (e.g. its first two moments); which ones, and how they enter a predictive theory, is open.',
    studies: ['eigenlearning-curves', 'random-feature-scaling-law', 'quanta-scaling', 'data-spectra', 'hermite-learning-order'],
    source: 'paper',
  },
  {
    id: 'OD3',
    question: 'Does deep learning implicitly minimize some notion of functional complexity?',
    summary: 'Implicit regularization, max-margin, simplicity and spectral biases are known only in special cases such as the greedy low-rank bias of linear networks.',
    studies: ['dln-saxe-modes', 'dln-saddle-to-saddle', 'double-descent', 'implicit-curvature-regularization', 'stepwise-low-rank'],
    source: 'paper',
  },
  {
    id: 'OD4',
    question: 'How do we formally define the features learned by neural networks?',
    summary: 'First-principles definitions of features and circuits, connected to the lazy/rich notion of feature learning.',
    studies: ['single-index-feature-learning', 'lazy-vs-rich', 'silent-alignment', 'neural-collapse', 'neural-feature-ansatz', 'grokking-fourier'],
    source: 'paper',
  },
  {
    id: 'OD5',
    question: 'Are finite neural networks properly understood as approximations to infinite limits?',
    summary: 'The Discretization Hypothesis: finite width, depth and step size as discretizations of a limiting continuum system.',
    studies: ['ntk-linearization', 'signal-propagation', 'mup-coord-check', 'depth-mup-transfer', 'discretization-hypothesis', 'random-feature-universality'],
    source: 'paper',
  },
  {
    id: 'OD6',
    question: 'Can we understand and eliminate all hyperparameters?',
    summary: 'How far can disentangling and limits go (μP, central flows), and which hyperparameters are irreducible?',
    studies: ['lazy-vs-rich', 'mup-coord-check', 'mup-lr-transfer', 'depth-mup-transfer', 'sgd-linear-scaling-rule', 'adam-sqrt-scaling-rule', 'critical-batch-size'],
    source: 'paper',
  },
  {
    id: 'OD7',
    question: 'Can we predict scaling-law exponents a priori?',
    summary: 'The exponents are not simple fractions and seem data-driven; predicting them from measurements of data, architecture and optimizer is a decisive test.',
    studies: ['eigenlearning-curves', 'random-feature-scaling-law', 'chinchilla-compute-optimal', 'quanta-scaling', 'data-spectra'],
    source: 'paper',
  },
  {
    id: 'OD8',
    question: 'How does loss curvature interplay with architecture, features, and generalization?',
    summary: 'Why curvature rises (progressive sharpening), and how implicit curvature regularization shapes features and generalization.',
    studies: ['edge-of-stability', 'central-flow', 'dln-progressive-sharpening', 'implicit-curvature-regularization'],
    source: 'paper',
  },
  {
    id: 'OD9',
    question: 'What makes for a good optimizer in deep learning?',
    summary: 'Why Adam and Muon beat SGD on large models, and how preconditioning interacts with architecture and the landscape.',
    studies: ['edge-of-stability', 'central-flow', 'sgd-linear-scaling-rule', 'adam-sqrt-scaling-rule', 'critical-batch-size'],
    source: 'paper',
  },
  {
    id: 'OD10',
    question: 'In what sense do large models trained differently learn similar representations?',
    summary: 'Which similarity metric is stable across regimes, and what are the representation universality classes?',
    studies: ['representation-convergence', 'random-feature-universality', 'architecture-universality', 'neural-collapse'],
    source: 'paper',
  },
  {
    id: 'OD11',
    question: 'Can learning be decomposed into a sequence of fundamental units (quanta)?',
    summary: 'Singular modes of linear networks, kernel eigenmodes and "quanta" as the units in which realistic models learn.',
    studies: ['dln-saxe-modes', 'eigenlearning-curves', 'quanta-scaling', 'hermite-learning-order'],
    source: 'site',
  },
  {
    id: 'OD12',
    question: 'Does training in realistic deep nonlinear networks proceed as a series of low-rank steps?',
    summary: 'From small initialization, loss drops in discrete steps that blur as the initialization grows: a saddle-to-saddle path.',
    studies: ['dln-saxe-modes', 'dln-saddle-to-saddle', 'stepwise-low-rank'],
    source: 'site',
  },
];

/** The open problems that list `studyId`. */
export function openProblemsOf(studyId: string): OpenProblem[] {
  return OPEN_PROBLEMS.filter((p) => p.studies.includes(studyId));
}
