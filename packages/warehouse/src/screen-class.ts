/**
 * Plausible's screen-size classes of `visit:device`, from `window.innerWidth` (shared/SEMANTICS.md, visit
 * dimensions): Mobile below 576, Tablet below 992, Laptop below 1440, Desktop from there; 0 is unknown.
 */
export const screenClassSql = (column: string): string =>
  `multiIf(${column} = 0, '(not set)', ${column} < 576, 'Mobile', ${column} < 992, 'Tablet', ${column} < 1440, 'Laptop', 'Desktop')`;
