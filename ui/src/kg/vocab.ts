/**
 * The knowledge vocabulary the UI lists in filters and legends. The server's enums are TYPES here
 * (nothing of the server is bundled); the Records make tsc fail when the server adds a value.
 */
import type { Certainty, EntityType, Predicate } from '../api.ts';

const PREDICATE_KEYS: Record<Predicate, true> = {
  has_sign: true,
  suggests: true,
  located_at: true,
  differential_of: true,
  treated_by: true,
  staged_by: true,
  examined_by: true,
  complication_of: true,
  subtype_of: true,
};
export const PREDICATES = Object.keys(PREDICATE_KEYS) as Predicate[];

/** Node colours by entity type (also the legend); chosen to stay distinct for colour-blind readers. */
export const TYPE_COLOURS: Record<EntityType, string> = {
  Disease: '#1f5f8b',
  Sign: '#d9822b',
  Finding: '#e0b400',
  Anatomy: '#2f7d4f',
  Modality: '#5b4a9e',
  Exam: '#8e6bbf',
  Treatment: '#c2185b',
  Drug: '#e57399',
  Procedure: '#8d6e63',
  Stage: '#00838f',
};
export const ENTITY_TYPES = Object.keys(TYPE_COLOURS) as EntityType[];

export const CERTAINTIES: readonly Certainty[] = ['present', 'possible', 'absent'];
export const CERTAINTY_TONE: Record<Certainty, 'green' | 'amber' | 'red'> = { present: 'green', possible: 'amber', absent: 'red' };
