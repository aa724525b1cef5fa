import { type DatacenterData, DatacenterRanges } from '../enrich/datacenter.ts';
import { type GeoData, type GeoDatabase, GeoLocator, readGeoData } from '../enrich/geo.ts';
import { UserAgentParser } from '../enrich/user-agent.ts';
import type { PrepareDeps } from './prepare.ts';

/** What an intake thread is built from: plain data, passed to a worker as its `workerData`. */
export interface IntakeSettings {
  geoDatabase: GeoDatabase;
  datacenterCheck: boolean;
  /** Lookups another thread of this process loaded; without them each thread loads its own. */
  lookups?: SharedLookups | undefined;
}

/**
 * The lookups' data, loaded once per process and handed to each thread: the GeoIP database in shared memory, and
 * the datacenter ranges (about 150 KB, copied) without reading 32 MB of CSV again.
 */
export interface SharedLookups {
  geo: GeoData;
  datacenters?: DatacenterData | undefined;
}

export function loadSharedLookups(settings: IntakeSettings): SharedLookups {
  if (settings.lookups) return settings.lookups;
  return {
    geo: readGeoData(settings.geoDatabase),
    datacenters: settings.datacenterCheck ? DatacenterRanges.load().data : undefined,
  };
}

/** Builds the lookups preparing needs (GeoIP, datacenter ranges, the user-agent parser) in the calling thread. */
export function loadPrepareDeps(settings: IntakeSettings): PrepareDeps {
  const lookups = loadSharedLookups(settings);
  return {
    geo: new GeoLocator(lookups.geo),
    datacenters: lookups.datacenters ? DatacenterRanges.fromData(lookups.datacenters) : undefined,
    userAgents: new UserAgentParser(),
  };
}
