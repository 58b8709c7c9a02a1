/**
 * Optimizers with fully explicit state (moments + step count), so a checkpoint holds
 * everything and a resumed run continues bit for bit. tfjs' own optimizers recompute
 * Adam's bias-correction accumulators with `pow` on restore, which is close to but
 * not exactly the repeated product of an uninterrupted run.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from './task';

export interface OptimizerConfig {
  name: OptimizerName;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  momentum?: number;
}

export class Optimizer {
  private slots: tf.Variable[][] = [];
  step = 0;

  constructor(readonly config: OptimizerConfig) {}

  private slotCount(): number {
    if (this.config.name === 'sgd') return (this.config.momentum ?? 0) > 0 ? 1 : 0;
    return 2;
  }

  /**
   * Applies one update. `grads[i]` belongs to `vars[i]`; the variable list must keep
   * the same order across steps (slots are matched by position). Disposes nothing it
   * does not own.
   */
  apply(vars: tf.Variable[], grads: tf.Tensor[], learningRate: number): void {
    this.step += 1;
    const { name, weightDecay } = this.config;
    const b1 = this.config.beta1 ?? 0.9;
    const b2 = this.config.beta2 ?? 0.999;
    const eps = this.config.epsilon ?? 1e-7;
    const n = this.slotCount();
    for (let i = 0; i < vars.length; i++) {
      if (!this.slots[i]) this.slots[i] = Array.from({ length: n }, () => tf.variable(tf.zerosLike(vars[i]), false));
    }
    // Bias correction in float64 on the host: exact and identical on resume.
    const corr = name === 'sgd' ? 1 : Math.sqrt(1 - Math.pow(b2, this.step)) / (1 - Math.pow(b1, this.step));
    tf.tidy(() => {
      const lr = tf.scalar(learningRate * corr);
      for (let i = 0; i < vars.length; i++) {
        const v = vars[i];
        let g = grads[i];
        if (weightDecay > 0 && name !== 'adamw') g = g.add(v.mul(weightDecay));
        if (name === 'sgd') {
          if (n === 1) {
            const m = this.slots[i][0];
            const nm = m.mul(this.config.momentum ?? 0).add(g);
            m.assign(nm);
            g = nm;
          }
          v.assign(v.sub(g.mul(lr)));
          continue;
        }
        const [m, s] = this.slots[i];
        const nm = m.mul(b1).add(g.mul(1 - b1));
        const ns = s.mul(b2).add(g.square().mul(1 - b2));
        m.assign(nm);
        s.assign(ns);
        let upd = nm.div(ns.sqrt().add(eps)).mul(lr);
        if (name === 'adamw' && weightDecay > 0) upd = upd.add(v.mul(learningRate * weightDecay));
        v.assign(v.sub(upd));
      }
    });
  }

  /** Slot tensors in a fixed order (for checkpoints). */
  state(): { step: number; slots: tf.Tensor[][] } {
    return { step: this.step, slots: this.slots };
  }

  restore(step: number, slots: tf.Tensor[][]): void {
    this.dispose();
    this.step = step;
    this.slots = slots.map((row) => row.map((t) => tf.variable(t, false)));
  }

  dispose(): void {
    for (const row of this.slots) for (const v of row) v.dispose();
    this.slots = [];
  }
}

/** Learning rate at `step` (1-based) for a schedule with linear warm-up. */
export function scheduledLearningRate(
  base: number,
  schedule: 'constant' | 'linear' | 'cosine',
  step: number,
  totalSteps: number,
  warmupSteps: number,
): number {
  if (warmupSteps > 0 && step <= warmupSteps) return (base * step) / warmupSteps;
  if (schedule === 'constant') return base;
  const span = Math.max(1, totalSteps - warmupSteps);
  const t = Math.min(1, Math.max(0, (step - warmupSteps) / span));
  if (schedule === 'linear') return base * (1 - t) + base * 0.01 * t;
  return base * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/**
 * Scales gradients so their global L2 norm is at most `clipNorm`, on the device (no
 * sync). Returns new tensors the caller disposes.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], clipNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => g.square().sum())));
    const scale = tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12)));
    return grads.map((g) => g.mul(scale));
  });
}
