'use client';

import { geoEqualEarth, geoPath } from 'd3-geo';
import { useMemo } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';
import type { Row } from './client.ts';
import { countryName, numericCode } from './countries.ts';
import { compact } from './format.ts';

const WIDTH = 800;
const HEIGHT = 400;

/** Countries shaded by visitors (world-atlas shapes, Equal Earth projection); a click filters by the country. */
export function WorldMap({ rows, onFilter }: { rows: Row[]; onFilter?: ((code: string) => void) | undefined }) {
  const shapes = useMemo(() => {
    const topology = world as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
    const countries = feature(topology, topology.objects.countries);
    const projection = geoEqualEarth().fitSize([WIDTH, HEIGHT], countries);
    const path = geoPath(projection);
    return countries.features.map((shape) => ({
      id: String(shape.id),
      name: shape.properties.name,
      d: path(shape) ?? '',
    }));
  }, []);
  const byNumeric = new Map<string, { code: string; visitors: number }>();
  for (const row of rows) {
    const code = row.dimensions[0] ?? '';
    const numeric = numericCode(code);
    if (numeric) byNumeric.set(numeric, { code, visitors: Number(row.metrics[0] ?? 0) });
  }
  const max = Math.max(1, ...[...byNumeric.values()].map((v) => v.visitors));
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="world-map" role="img" aria-label="Visitors by country">
      {shapes.map((shape) => {
        const hit = byNumeric.get(shape.id);
        const strength = hit ? 0.15 + 0.85 * (hit.visitors / max) : 0;
        return (
          <path
            key={shape.id + shape.name}
            d={shape.d}
            className={hit ? 'country has-visitors' : 'country'}
            style={hit ? { fillOpacity: strength } : undefined}
            {...(hit && onFilter
              ? {
                  role: 'button',
                  tabIndex: 0,
                  onClick: () => onFilter(hit.code),
                  onKeyDown: (event: { key: string }) => {
                    if (event.key === 'Enter' || event.key === ' ') onFilter(hit.code);
                  },
                }
              : {})}
            data-country={hit?.code}
          >
            <title>{hit ? `${countryName(hit.code)}: ${compact(hit.visitors)} visitors` : shape.name}</title>
          </path>
        );
      })}
    </svg>
  );
}
