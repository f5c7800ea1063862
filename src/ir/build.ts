import { IrError } from './errors.js';
import { type Graph, Node, type NodeKind, type NodeOf } from './graph.js';
import { inferType, isProblem } from './infer.js';
import type { LocSource } from './ops/common.js';

type Untyped<K extends NodeKind> = K extends NodeKind ? Omit<NodeOf<K>, 'type' | 'id'> & { id?: string } : never;

/**
 * Builds a graph node by node, inferring each result type from its inputs, so that frontends and
 * passes never spell types by hand. Names are made unique with a numeric suffix.
 */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly byId = new Map<string, Node>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly name: string) {}

  fresh(prefix: string): string {
    const base = prefix.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.-]/, '_') || 'n';
    for (;;) {
      const k = this.counters.get(base) ?? 0;
      this.counters.set(base, k + 1);
      const id = k === 0 && !/\d$/.test(base) ? base : `${base}${k}`;
      if (!this.byId.has(id)) return id;
    }
  }

  get(id: string): Node {
    const n = this.byId.get(id);
    if (!n) throw new IrError(`no node %${id}`);
    return n;
  }

  /** The source the nodes added now are stamped with (withSource). */
  private source: LocSource | undefined;

  /** Runs `f`; each node it adds without a loc of its own derives from `source` (loc.source). */
  withSource<T>(source: LocSource, f: () => T): T {
    const outer = this.source;
    this.source = source;
    try {
      return f();
    } finally {
      this.source = outer;
    }
  }

  /** Adds a node and returns its name. */
  add<K extends NodeKind>(partial: Untyped<K>): string {
    const id =
      partial.id && !this.byId.has(partial.id) ? partial.id : this.fresh(partial.id ?? partial.kind.split('.')[1]);
    const operands = partial.inputs.map((i) => {
      const n = this.get(i);
      return { id: n.id, kind: n.kind, type: n.type };
    });
    const stamped = this.source !== undefined && !partial.loc ? { ...partial, loc: { source: this.source } } : partial;
    const draft = { ...stamped, id, type: { dtype: 'f32', shape: [0] } } as unknown as Node;
    const type = inferType(draft, operands);
    if (isProblem(type)) throw new IrError(type.message, `%${id}`);
    // Parsing puts the fields in the schema's order, the same order a parsed file has.
    const node = Node.parse({ ...draft, type });
    this.nodes.push(node);
    this.byId.set(id, node);
    return id;
  }

  build(): Graph {
    return { name: this.name, nodes: [...this.nodes] };
  }
}
