import { readFileSync } from 'node:fs';

/** The product version every measurement records as its software version. */
export const SOFTWARE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The feature definitions the numbers follow (cross-checked against this release in tests/imaging-reference.test.ts). */
export const FEATURE_DEFINITIONS = 'pyradiomics 3.0.1 first-order + shape (binWidth 25, no resampling, no normalisation)';
