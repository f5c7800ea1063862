import type { KernelModule } from './wasm.js';

/** An array in a kernel module's memory (float64 unless said): its byte address, length and a view of it. */
export interface Slot<View = Float64Array> {
  readonly at: number;
  readonly n: number;
  view: View;
}

/**
 * Arrays laid out in one kernel module's memory, so the kernels run on them where they are, without
 * copies. Allocate every slot first, then commit: memory grows once and the views are taken after it.
 * Slots are 16-byte aligned and padded to 16 bytes (whole SIMD lanes).
 */
export class Arena {
  private end = 0;
  private readonly views: (() => void)[] = [];
  constructor(readonly mod: KernelModule) {}

  alloc(n: number): Slot {
    const slot: Slot = { at: this.take(n * 8), n, view: new Float64Array(0) };
    this.views.push(() => (slot.view = new Float64Array(this.mod.memory.buffer, slot.at, n)));
    return slot;
  }

  allocInt32(n: number): Slot<Int32Array> {
    const slot: Slot<Int32Array> = { at: this.take(n * 4), n, view: new Int32Array(0) };
    this.views.push(() => (slot.view = new Int32Array(this.mod.memory.buffer, slot.at, n)));
    return slot;
  }

  allocInt16(n: number): Slot<Int16Array> {
    const slot: Slot<Int16Array> = { at: this.take(n * 2), n, view: new Int16Array(0) };
    this.views.push(() => (slot.view = new Int16Array(this.mod.memory.buffer, slot.at, n)));
    return slot;
  }

  private take(bytes: number): number {
    const at = this.end;
    this.end += Math.ceil(bytes / 16) * 16;
    return at;
  }

  commit(): void {
    this.mod.reserve(this.end);
    for (const view of this.views) view();
  }
}
