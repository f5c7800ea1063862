import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../tfjs/runtime.js';

export const TRAINABLE_ACTIVATIONS = ['tanh', 'sin', 'sigmoid', 'softplus', 'silu', 'relu'] as const;
export type TrainableActivation = (typeof TRAINABLE_ACTIVATIONS)[number];

/** sigma(z), sigma'(z) and sigma''(z), written with first-order tfjs ops only (tfjs issue 3252). */
export function activationJet(tf: Tf, act: TrainableActivation, z: TF.Tensor): [TF.Tensor, TF.Tensor, TF.Tensor] {
  switch (act) {
    case 'tanh': {
      const t = tf.tanh(z);
      const d1 = tf.sub(1, tf.square(t));
      return [t, d1, tf.mul(-2, tf.mul(t, d1))];
    }
    case 'sin':
      return [tf.sin(z), tf.cos(z), tf.neg(tf.sin(z))];
    case 'sigmoid': {
      const s = tf.sigmoid(z);
      const d1 = tf.mul(s, tf.sub(1, s));
      return [s, d1, tf.mul(d1, tf.sub(1, tf.mul(2, s)))];
    }
    case 'softplus': {
      const s = tf.sigmoid(z);
      return [tf.softplus(z), s, tf.mul(s, tf.sub(1, s))];
    }
    case 'silu': {
      const s = tf.sigmoid(z);
      const s1 = tf.mul(s, tf.sub(1, s));
      return [tf.mul(z, s), tf.add(s, tf.mul(z, s1)), tf.mul(s1, tf.add(2, tf.mul(z, tf.sub(1, tf.mul(2, s)))))];
    }
    case 'relu':
      return [tf.relu(z), tf.step(z), tf.zerosLike(z)];
  }
}

/** The tfjs activation identifier a saved Dense layer uses for `act` (sin is spikec's registered custom one). */
export const tfjsActivationName = (act: TrainableActivation): string => (act === 'silu' ? 'swish' : act);
