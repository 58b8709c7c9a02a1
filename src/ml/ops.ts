/**
 * Small tensor ops shared by the task models.
 *
 * `gatherRows`: `tf.gather` whose gradient is a `tf.scatterND` (duplicates summed)
 * instead of `UnsortedSegmentSum`, which the wasm backend lacks — so embedding tables
 * train on every backend.
 */
import * as tf from '@tensorflow/tfjs';

export function gatherRows<R extends tf.Rank>(table: tf.Tensor<R>, indices: tf.Tensor1D): tf.Tensor {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const t = args[0] as tf.Tensor;
    const idx = args[1] as tf.Tensor;
    (args[2] as tf.GradSaveFunc)([idx]);
    return {
      value: tf.gather(t, idx as tf.Tensor1D),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = Array.isArray(dy) ? dy[0] : dy;
        return [tf.scatterND(saved[0].expandDims(1), g, t.shape), tf.zerosLike(saved[0]).toFloat()];
      },
    };
  });
  return f(table, indices) as tf.Tensor;
}

/** Truncated-normal-free initialiser from the seeded RNG, so weights do not depend on the backend. */
export function normalInit(shape: number[], std: number, normal: () => number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = normal() * std;
  return tf.tensor(values, shape, 'float32');
}

/** Total number of scalars in a list of variables. */
export function countParams(vars: readonly tf.Variable[]): number {
  return vars.reduce((a, v) => a + v.size, 0);
}
