export { loadWarehouseServerConfig, type WarehouseServerConfig } from './config.ts';
export { type Engine, openEngine } from './engine.ts';
export { startWarehouseServer, type WarehouseServer } from './server.ts';
