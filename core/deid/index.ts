/** De-identification: the one function to call before text goes to an LLM, an export or a log. */
export {
  DEID_TAGS,
  dateShiftDaysFor,
  deidentify,
  isValidPrcIdNumber,
  type DateHandling,
  type DeidFinding,
  type DeidKind,
  type DeidPolicy,
  type DeidResult,
  type TagLanguage,
} from './deidentify.ts';
