export {
  CSV_COLUMNS,
  decodeCursor,
  type ExportQuery,
  encodeCursor,
  exportHistory,
  formatHistory,
  toHistoryLine,
} from './export-history.ts';
export { type ImportOptions, type ImportSummary, importHistory } from './import-history.ts';
export { type NumberedLine, readLines } from './lines.ts';
