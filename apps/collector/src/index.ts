export { type CollectorConfig, loadCollectorConfig } from './config.ts';
export { type RunningCollector, startCollector } from './collector.ts';
