import { DatacenterRanges } from '../enrich/datacenter.ts';
import { type GeoDatabase, GeoLocator } from '../enrich/geo.ts';
import { UserAgentParser } from '../enrich/user-agent.ts';
import type { PrepareDeps } from './prepare.ts';

/** What an intake thread is built from: plain data, passed to a worker as its `workerData`. */
export interface IntakeSettings {
  geoDatabase: GeoDatabase;
  datacenterCheck: boolean;
}

/** Loads the lookups preparing needs (GeoIP, datacenter ranges, the user-agent parser) in the calling thread. */
export function loadPrepareDeps(settings: IntakeSettings): PrepareDeps {
  return {
    geo: new GeoLocator(settings.geoDatabase),
    datacenters: settings.datacenterCheck ? DatacenterRanges.load() : undefined,
    userAgents: new UserAgentParser(),
  };
}
