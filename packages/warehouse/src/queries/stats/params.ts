/**
 * Collects query parameters so that no user value is ever spliced into SQL text: every value becomes
 * `{pN:Type}` and travels in `query_params`.
 */
export class ParamBag {
  readonly values: Record<string, unknown> = {};
  #next = 0;

  add(value: unknown, type: string): string {
    const name = `p${this.#next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}
