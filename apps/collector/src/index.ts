export { type RunningCollector, startCollector } from './collector.ts';
export { type CollectorConfig, loadCollectorConfig } from './config.ts';
