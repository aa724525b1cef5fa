export interface Migration {
  /** Applied in ascending order; never renumber or edit one that has shipped. */
  version: number;
  name: string;
  /** Each statement must be idempotent (IF NOT EXISTS): a crash between two leaves a half-applied step. */
  statements: string[];
}
