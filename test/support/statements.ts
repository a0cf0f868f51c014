/**
 * Counting the database round trips of an operation: a Kysely plugin that records one label per statement
 * (`insert lake_objects`, `update lake_outbox`, ...) and a warehouse whose transactions are counted too (BEGIN and
 * COMMIT are not statements Kysely compiles, so they are counted where transactions are opened).
 *
 * A statement with data-modifying CTEs is ONE round trip; its label names the main statement, then what each
 * CTE does, in order: `insert lake_outbox with insert daily_prices, insert daily_indicators`.
 */
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type { Warehouse } from '../../src/warehouse/database.js';
import type { Database } from '../../src/warehouse/schema.js';

/** The verb of a Kysely operation node (the bench's statement timer labels by it too). */
export const VERBS: Record<string, string> = {
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  SelectQueryNode: 'select',
  DeleteQueryNode: 'delete',
  RawNode: 'raw',
};

/** The first table an operation node names (insert into / update / select from / delete from). */
export function tableOf(node: unknown, depth = 0): string | undefined {
  if (node === null || typeof node !== 'object' || depth > 6) return undefined;
  const n = node as { kind?: string; table?: { identifier?: { name?: string } } };
  if (n.kind === 'TableNode') return n.table?.identifier?.name;
  for (const key of ['into', 'table', 'from', 'froms', 'node']) {
    const child = (node as Record<string, unknown>)[key];
    for (const item of Array.isArray(child) ? child : [child]) {
      const found = tableOf(item, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

interface StatementNode {
  kind: string;
  sqlFragments?: readonly string[];
  with?: { expressions: readonly { expression: StatementNode }[] };
}

/** `verb table`, then ` with ` and the labels of the CTEs if there are any. */
export function statementLabel(node: StatementNode): string {
  // The raw statements that are neither lookups nor writes: the embedded database's upkeep.
  const upkeep = node.kind === 'RawNode' ? /^\s*(vacuum|checkpoint)\b/i.exec(node.sqlFragments?.[0] ?? '') : null;
  if (upkeep !== null) return upkeep[1].toLowerCase();
  const own = `${VERBS[node.kind] ?? node.kind} ${tableOf(node) ?? '?'}`;
  const ctes = node.with?.expressions ?? [];
  return ctes.length === 0 ? own : `${own} with ${ctes.map((cte) => statementLabel(cte.expression)).join(', ')}`;
}

export interface StatementCounter {
  plugin: KyselyPlugin;
  /** One label per statement sent, in order. */
  labels: string[];
}

export function countStatements(): StatementCounter {
  const labels: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      labels.push(statementLabel(args.node as StatementNode));
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
  return { plugin, labels };
}

export interface CountedWarehouse {
  warehouse: Warehouse;
  statements: string[];
  /** Explicit transactions opened (each one commit, or a rollback). */
  transactions(): number;
  reset(): void;
}

/** The warehouse with every statement and transaction sent through it counted. */
export function countingWarehouse(inner: Warehouse): CountedWarehouse {
  const counter = countStatements();
  const db = inner.db.withPlugin(counter.plugin) as Kysely<Database>;
  let transactions = 0;
  const open = db.transaction.bind(db);
  (db as unknown as { transaction: typeof db.transaction }).transaction = () => {
    transactions++;
    return open();
  };
  return {
    warehouse: { ...inner, db },
    statements: counter.labels,
    transactions: () => transactions,
    reset() {
      counter.labels.length = 0;
      transactions = 0;
    },
  };
}
