import { Ajv, type ValidateFunction } from 'ajv';
import { type ZodSafeParseResult, type ZodType, z } from 'zod';
import { type EnrichedEvent, enrichedEventSchema } from './enriched.ts';
import { type WireEvent, wireEventSchema } from './wire.ts';

/**
 * zod's answer, sooner. The collector checks every event twice (as sent, and after enrichment) and the ingest worker
 * once more. zod allocates a result object per field: leaving out the collector's check after enrichment alone halved
 * the intake's CPU per event (bench/README.md, collector). Ajv compiles the JSON Schema that
 * zod derives from the same schema into a function that checks without allocating.
 *
 * zod stays the contract: a value the compiled check passes is returned as it is, which is what zod would return
 * (every field present, none unknown, nothing to default or strip); anything else is parsed by zod, so defaults,
 * stripping and the reasons of a refusal are zod's. compiled-check.test.ts holds the two to that on generated values.
 */
export function parseEnrichedEvent(value: unknown): ZodSafeParseResult<EnrichedEvent> {
  return parseWith(enrichedCheck, value);
}

export function parseWireEvent(value: unknown): ZodSafeParseResult<WireEvent> {
  return parseWith(wireCheck, value);
}

interface CompiledCheck<T> {
  schema: ZodType<T>;
  io: 'input' | 'output';
  validate?: ValidateFunction;
}

const enrichedCheck: CompiledCheck<EnrichedEvent> = { schema: enrichedEventSchema, io: 'output' };
const wireCheck: CompiledCheck<WireEvent> = { schema: wireEventSchema, io: 'input' };

function parseWith<T>(check: CompiledCheck<T>, value: unknown): ZodSafeParseResult<T> {
  check.validate ??= compile(check);
  if (check.validate(value)) return { success: true, data: value as T };
  return check.schema.safeParse(value);
}

/** Compiled on first use, so a process that imports the contract but never checks events pays nothing. */
function compile(check: CompiledCheck<unknown>): ValidateFunction {
  const jsonSchema = z.toJSONSchema(check.schema, {
    target: 'draft-07',
    // Output: fields with a default are required, so a value that passes has nothing for zod to fill in.
    io: check.io,
    unrepresentable: 'throw',
    override: ({ jsonSchema }) => {
      // Lengths are compared in UTF-16 units below, which is exact only for a minimum of at most 1.
      if ((jsonSchema.minLength ?? 0) > 1) throw new Error(`minLength ${jsonSchema.minLength}: measure in code points`);
      // zod leaves a "__proto__" key out of a record it copies; the value as it is would keep it.
      const names = jsonSchema.propertyNames;
      if (typeof names === 'object') jsonSchema.propertyNames = { allOf: [names, { not: { const: '__proto__' } }] };
    },
  });
  return new Ajv({
    // zod runs a schema's patterns without the u flag.
    unicodeRegExp: false,
    // zod measures strings in code points, but only counts them when the UTF-16 length is past the bound; Ajv would
    // count every string's (in the collector, 5% of its CPU). A string within its bound in units is within it in code
    // points; one past it goes to zod, which decides. The option is deprecated, hence no logger for its warning.
    unicode: false,
    logger: false,
    // NaN and Infinity are not numbers to zod.
    strictNumbers: true,
    // The uuid pattern is in the schema beside its format.
    validateFormats: false,
  }).compile(jsonSchema);
}
