import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;

let loaded: Promise<Tf> | undefined;

/**
 * tfjs, loaded once: @tensorflow/tfjs-node when it is installed (a native accelerator), otherwise
 * @tensorflow/tfjs. spikec's custom `sin` activation is registered on it.
 */
export function loadTf(): Promise<Tf> {
  loaded ??= (async () => {
    let tf: Tf;
    try {
      tf = (await import(/* optional accelerator */ '@tensorflow/tfjs-node' as string)) as Tf;
    } catch {
      tf = await import('@tensorflow/tfjs');
    }
    // PROD silences tfjs's console banners, which would mix into spikec's own output.
    tf.env().set('PROD', true);
    registerSin(tf);
    return tf;
  })();
  return loaded;
}

/** Uses the wasm backend for heavy work (training) when tfjs-node is absent; about 8x the cpu backend. */
export async function useFastBackend(tf: Tf): Promise<string> {
  if (tf.getBackend() === 'tensorflow') return 'tensorflow';
  await import('@tensorflow/tfjs-backend-wasm');
  if (await tf.setBackend('wasm')) {
    await tf.ready();
    return 'wasm';
  }
  await tf.setBackend('cpu');
  return 'cpu';
}

function registerSin(tf: Tf): void {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  if ('sin' in map) return;
  class SinActivation extends tf.serialization.Serializable {
    static className = 'sin';
    override getClassName(): string {
      return 'sin';
    }
    apply(x: TF.Tensor): TF.Tensor {
      return tf.sin(x);
    }
    getConfig(): TF.serialization.ConfigDict {
      return {};
    }
  }
  tf.serialization.registerClass(SinActivation);
}
