import type { EntityType } from '../../../core/index.ts';
import type { Predicate } from '../../model.ts';
import type { ArgSpec, PatternRule } from './pattern-rule.ts';

/** English pattern rules: the plain textbook phrasings only ("X typically presents as Y", "Y suggests X"). */

const DIS: EntityType[] = ['Disease'];
const SIGN: EntityType[] = ['Sign', 'Finding'];
const DSF: EntityType[] = ['Disease', 'Sign', 'Finding'];
const TX: EntityType[] = ['Treatment', 'Drug', 'Procedure'];
const MOD: EntityType[] = ['Modality', 'Exam'];

/** A gap inside a trigger: a few words within the clause. */
const gap = (n: number) => `[^,;:.]{0,${n}}?`;

const left = (types: EntityType[], take: ArgSpec['take'] = 'nearest'): ArgSpec => ({ side: 'left', types, take });
const right = (types: EntityType[], take: ArgSpec['take'] = 'all', topic?: boolean): ArgSpec => ({ side: 'right', types, take, ...(topic ? { topic } : {}) });

function rule(id: string, predicate: Predicate, trigger: string, subject: ArgSpec, object: ArgSpec, confidence: number): PatternRule {
  return { id: `${predicate}.en.${id}`, predicate, trigger: new RegExp(`\\b(?:${trigger})\\b`, 'gi'), subject, object, confidence };
}

export const EN_RULES: PatternRule[] = [
  rule('presents', 'has_sign', '(?:typically |usually |often |commonly )?(?:presents?|appears?|manifests?) (?:as|with)|(?:is|are) characteri[sz]ed by|(?:shows?|demonstrates?|features?)|(?:typical |characteristic |common )?(?:imaging )?(?:findings?|signs?|features?) (?:include|includes|are|is)', left(DIS), right(SIGN), 0.9),
  // "haematuria, hypertension and abdominal pain occur in some": what occurs in some of the patients is the topic's sign.
  rule('occurs_in_some', 'has_sign', '(?:may |can |also )?occurs? in (?:some|many|most|a (?:minority|third|quarter|half)|up to|about|approximately|over)', right(DIS, 'nearest', true), left(SIGN, 'all'), 0.8),
  rule('seen_in', 'has_sign', '(?:is |are )?(?:typically |commonly |often )?(?:seen|found|observed) in', right(DIS), left(SIGN), 0.8),
  rule('is_sign_of', 'has_sign', `(?:is|are) ${gap(30)}(?:sign|finding|feature|manifestation)s? of`, right(DIS, 'nearest'), left(SIGN, 'all'), 0.9),
  rule('suggests', 'suggests', '(?:strongly |highly )?(?:suggests?|(?:is|are) (?:highly )?suggestive of|indicates?|(?:is|are) (?:not |highly )?specific for|favou?rs?)', left(SIGN), right(DIS), 0.9),
  rule('located', 'located_at', '(?:is |are )?(?:located|situated|found) (?:in|at|within)|(?:most |more )?(?:common|commonly|frequent|frequently) (?:in|at)|(?:most )?(?:commonly |typically |usually |often )?(?:occurs?|arises?|involves?|affects?)(?: in| from| at)?|predilection for', left(DSF), right(['Anatomy']), 0.85),
  rule('differential', 'differential_of', `(?:differentiated|distinguished) from|differential diagnosis (?:includes?|of)|(?:versus|vs)`, left(DIS), right(DIS), 0.85),
  rule('treated', 'treated_by', '(?:is |are )?(?:treated|managed) (?:with|by)|treatment of choice (?:is)?|(?:first-line |standard )?(?:treatment|therapy|management) (?:is|includes?|consists of|combines|involves)', left(['Disease', 'Finding']), right(TX), 0.9),
  // "night pain that is relieved by aspirin": what relieves the disease's complaint treats the disease.
  rule('relieved', 'treated_by', '(?:is |are )?(?:relieved|controlled|improved|alleviated) (?:by|with)', left(DIS), right(TX), 0.8),
  rule('treats', 'treated_by', '(?:is |are )?(?:used to treat|used for|indicated for)', right(['Disease', 'Finding']), left(TX), 0.85),
  rule('staged', 'staged_by', '(?:is |are )?(?:staged|graded|classified) (?:by|using|with|as|according to)', left(DIS), right(['Stage']), 0.85),
  rule('examined', 'examined_by', '(?:is |are )?(?:evaluated|assessed|diagnosed|detected|examined|imaged|confirmed|established) (?:by|with|on|using)|modality of choice (?:is)?|(?:best|first-line) (?:imaging )?(?:test|modality|examination) (?:is)?', left(DSF), right(MOD), 0.85),
  // "CT or MRI is used for staging", "MRI is used to measure the cartilage cap": an exam used for the topic's work-up.
  rule('used_for', 'examined_by', '(?:is|are) (?:particularly |most |also )?(?:useful|helpful|valuable) (?:for|in)|(?:is|are) (?:also )?used (?:for|in|to) (?:staging|diagnosis|evaluation|assessment|screening|follow-up|detection|confirmation|localisation|localization|stage|diagnose|evaluate|assess|screen|detect|confirm|measure|localise|localize|monitor)', { ...right(DSF, 'nearest', true), span: 'clause' }, left(MOD, 'all'), 0.8),
  // "Ultrasound has limited value", "CT is insensitive": an exam judged for the topic; the cue sets the certainty.
  rule('judged', 'examined_by', '(?:has|have) (?:only )?(?:limited|little|no) (?:value|role)|(?:is|are) (?:relatively |usually )?(?:insensitive|of (?:limited|little|no) value)', { ...right(DSF, 'nearest', true), span: 'clause' }, left(MOD, 'all'), 0.75),
  rule('evaluates', 'examined_by', `(?:is|are) ${gap(30)}(?:modality|examination|test) (?:of choice )?for|(?:detects?|evaluates?|depicts?)`, right(DSF), left(MOD), 0.8),
  // "Laparoscopic appendectomy is the treatment of choice", "Routine CT is not recommended": the disease is the one named after, else the topic.
  rule('is_treatment', 'treated_by', '(?:is|are) (?:now |currently |still |usually )?(?:the )?(?:first-line |standard |definitive |initial |preferred )?(?:treatment|therapy|management)(?: of choice)?(?: for| of| in)?|(?:is|are) (?:not )?(?:recommended|indicated|preferred)(?= for| in|[.;,]|$)', { ...right(['Disease', 'Finding'], 'nearest', true), span: 'clause' }, { ...left(TX, 'all'), open: true }, 0.8),
  rule('is_exam', 'examined_by', '(?:is|are) (?:now |currently |still |usually )?(?:the )?(?:best |first-line |initial |preferred )?(?:imaging )?(?:test|modality|examination|investigation|method)(?: of choice)?(?: for| in)?|(?:is|are) (?:not )?(?:routinely )?(?:recommended|indicated|preferred|required|needed)(?= for| in|[.;,]|$)', { ...right(DSF, 'nearest', true), span: 'clause' }, { ...left(MOD, 'all'), open: true }, 0.8),
  rule('complicated', 'complication_of', '(?:may be |can be |is |are )?complicated by|(?:may |can )?lead to', right(['Disease', 'Finding']), left(DIS), 0.85),
  rule('complication_of', 'complication_of', `(?:is|are) ${gap(30)}complications? of`, left(['Disease', 'Finding'], 'all'), right(DIS, 'nearest'), 0.9),
  rule('subtype', 'subtype_of', `(?:is|are) ${gap(25)}(?:type|subtype|form|variant|kind) of`, left(DIS), right(DIS, 'nearest'), 0.9),
];
