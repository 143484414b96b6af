import type { Keyring, Lexicon, Tokenizer } from '../core/index.ts';
import type { Knowledge } from '../knowledge/index.ts';
import type { LlmProvider } from '../llm/index.ts';
import type { Embedder } from '../search/index.ts';
import type { Database } from '../store/index.ts';
import { CaseVectorsRepository } from './case-vectors.repository.ts';
import { CasesRepository } from './cases.repository.ts';
import { CasesService } from './cases.service.ts';
import { type DiseaseFields, loadDiseaseFields } from './disease-fields.ts';

export interface CasesCapabilityDeps {
  db: Database;
  lexicon: Lexicon;
  tokenizer: Tokenizer;
  knowledge: Knowledge;
  keyring: Keyring;
  /** The active model, read at each use (null: none; the structured comparison stands alone). */
  llm?: () => LlmProvider | null;
  /** The search embedder: similar-case scores get a vector part (absent: findings + text only). */
  embedder?: Embedder;
}

/** The case-matching capability wired together. */
export class Cases {
  readonly service: CasesService;
  readonly fields: DiseaseFields;

  constructor(deps: CasesCapabilityDeps) {
    this.fields = loadDiseaseFields();
    this.service = new CasesService({ ...deps, repo: new CasesRepository(deps.db), vectors: new CaseVectorsRepository(deps.db), fields: this.fields });
  }
}
