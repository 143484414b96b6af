/** UCUM codes of the units drafts write (FHIR Quantity.code, HL7 OBX-6). */
const UCUM: Record<string, { code: string; display: string }> = {
  mm: { code: 'mm', display: 'mm' },
  'cm³': { code: 'cm3', display: 'cm³' },
  'mm³': { code: 'mm3', display: 'mm³' },
  HU: { code: "[hnsf'U]", display: 'HU' },
  '%': { code: '%', display: '%' },
};

export function ucumOf(unit: string): { code: string; display: string } {
  return UCUM[unit] ?? { code: unit, display: unit };
}
