import { type EntityType, guessEntityType } from '../../../core/index.ts';

/**
 * Open mentions in English sentences: the noun phrases between the function words, verbs and punctuation
 * of a sentence ("Psittacosis typically presents with high fever, severe headache and a dry cough"),
 * typed by their head word (core/term-kinds.ts: -itis, -oma, syndrome, fever, pain, -mab, -ectomy, CT…)
 * and left unresolved for review, as Chinese open mentions are. The rules' triggers ("presents with",
 * "is treated with", "is diagnosed by") decide which phrase fills which argument; a phrase whose head
 * shows no type fills only an argument the trigger points at (see pattern-rule.ts, typeIn).
 */

export interface EnglishOpenSpan {
  start: number;
  end: number;
  text: string;
  type: EntityType | null;
}

/** Words that end a noun phrase: function words, the verbs of the rules' triggers, hedges and quantities. */
const BREAK_WORDS = new Set(
  (
    'a an the this that these those it its their his her which who whom whose what when where while whereas ' +
    'and or but nor as well than rather instead of with without by for from in on at to into onto within between among via per ' +
    'is are was were be been being has have had do does did may might can could should must will would shall ' +
    'not no also often usually typically commonly frequently sometimes rarely generally mainly mostly especially particularly ' +
    'present presents presented presenting appear appears appeared manifest manifests manifested show shows showed shown ' +
    'demonstrate demonstrates feature features include includes including included consist consists characterized characterised ' +
    'treat treated treating managed manage diagnose diagnosed diagnosing detect detected detecting evaluate evaluated assessed ' +
    'confirmed confirm established establish examined imaged seen found observed used use indicated recommended preferred needed required routinely ' +
    'lead leads led cause causes caused result results complicated complicate follow follows followed develop develops ' +
    'suggest suggests indicate indicates favour favours favor favors occur occurs arise arises involve involves affect affects ' +
    'first-line second-line choice standard initial best most more less very such other some any all both either each ' +
    'patient patients case cases people adults children infants women men disease-specific type types form forms ' +
    'then there here however although because due if unless until after before during since common commonly commonest frequent relieved now ' +
    'combine combines combined contain contains containing produce produces producing extend extends extending added reserved given stretch stretches ' +
    'occur occurred remain remains need needs useful helpful valuable'
  ).split(/\s+/),
);

const WORD = /[A-Za-z][A-Za-z0-9\-']*|\d+(?:\.\d+)?/g;

/** Heads too generic to name anything (signs, findings, treatment, diagnosis…). */
const GENERIC = /^(?:signs?|symptoms?|findings?|features?|manifestations?|treatment|therapy|management|diagnosis|diagnoses|imaging|modality|test|tests|examination|complications?|sequelae|cause|causes|risk|factor|factors|value|role|use|setting|stage|course|onset|history|hallmark|presentation|picture|one|ones|investigation|investigations|sequence|sequences|staging|method|methods)$/i;

/** Head words of English names of sites (the femur, the pelvis, the distal radius): no -itis/-oma head says so. */
const ANATOMY_HEAD = /^(?:femur|tibia|fibula|humerus|radius|ulna|pelvis|spine|vertebrae?|skull|ribs?|sacrum|coccyx|clavicle|scapula|mandible|maxilla|patella|calcaneus|diaphysis|diaphyses|metaphysis|metaphyses|epiphysis|epiphyses|bones?|liver|kidneys?|lungs?|brain|heart|spleen|pancreas|stomach|colon|bowel|lobes?|mediastinum|thorax|abdomen|neck|knee|hip|shoulder|wrist|ankle|elbow|breast|uterus|ovary|ovaries|testis|testes|prostate|bladder|thyroid|orbit|sinus|sinuses|artery|arteries|aorta|vein|veins|cortex|pleura|pericardium|retroperitoneum|mesentery|duodenum|ileum|jejunum|oesophagus|esophagus)$/i;

/** Noun phrases of an English sentence outside the spans already known (lexicon names). */
export function findEnglishOpenSpans(text: string, known: ReadonlyArray<{ start: number; end: number }>): EnglishOpenSpan[] {
  const words = [...text.matchAll(WORD)].map((m) => ({ start: m.index ?? 0, end: (m.index ?? 0) + m[0].length, w: m[0] }));
  const out: EnglishOpenSpan[] = [];
  let run: typeof words = [];
  const flush = () => {
    if (run.length && run.length <= 5) {
      const start = run[0].start;
      const end = run[run.length - 1].end;
      const phrase = text.slice(start, end);
      const head = run[run.length - 1].w;
      // A lone adjective (regional, bilateral, chronic) modifies a name the lexicon knows; it names nothing itself.
      const adjective = run.length === 1 && /(?:al|ic|ive|ous|ary|ar|ed)$/i.test(head);
      if (!GENERIC.test(head) && !/^\d/.test(head) && !(adjective && !guessEntityType(phrase))) out.push({ start, end, text: phrase, type: guessEntityType(phrase) ?? (ANATOMY_HEAD.test(head) ? 'Anatomy' : null) });
    }
    run = [];
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const between = i > 0 ? text.slice(words[i - 1].end, w.start) : '';
    if (/[,;:.()/]|\s-\s/.test(between)) flush();
    if (BREAK_WORDS.has(w.w.toLowerCase()) || known.some((k) => w.start < k.end && w.end > k.start)) {
      flush();
      continue;
    }
    run.push(w);
  }
  flush();
  return out;
}
