import type { KernelModule } from './wasm.js';

/** A float64 array in a kernel module's memory: its byte address, length and a view of it. */
export interface Slot {
  readonly at: number;
  readonly n: number;
  view: Float64Array;
}

/**
 * Float64 arrays laid out in one kernel module's memory, so the kernels run on them where they are,
 * without copies. Allocate every slot first, then commit: memory grows once and the views are taken
 * after it. Slots are 16-byte aligned (whole SIMD pairs).
 */
export class Arena {
  private end = 0;
  private readonly slots: Slot[] = [];
  constructor(readonly mod: KernelModule) {}

  alloc(n: number): Slot {
    const slot: Slot = { at: this.end, n, view: new Float64Array(0) };
    this.end += Math.ceil(n / 2) * 16;
    this.slots.push(slot);
    return slot;
  }

  commit(): void {
    this.mod.reserve(this.end);
    for (const s of this.slots) s.view = this.mod.f64(s.at, s.n);
  }
}
