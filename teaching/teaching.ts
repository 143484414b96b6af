import type { Knowledge } from '../knowledge/index.ts';
import type { LlmProvider } from '../llm/index.ts';
import type { Database } from '../store/index.ts';
import { BankRepository } from './bank.repository.ts';
import { QuestionBank } from './bank.service.ts';
import { ExamsRepository } from './exams.repository.ts';
import { ExamsService } from './exams.service.ts';
import type { PassageRetriever } from './llm.engine.ts';
import { TransferService } from './transfer.service.ts';

export interface TeachingDeps {
  db: Database;
  knowledge: Knowledge;
  llm: () => LlmProvider | null;
  retrieve: PassageRetriever;
}

/** The teaching capability wired together: question bank (generation, review) and exams. */
export class Teaching {
  readonly bank: QuestionBank;
  readonly exams: ExamsService;
  readonly transfer: TransferService;

  constructor(deps: TeachingDeps) {
    const repo = new BankRepository(deps.db);
    this.bank = new QuestionBank({ db: deps.db, repo, knowledge: deps.knowledge, llm: deps.llm, retrieve: deps.retrieve });
    const names = async (ids: string[]) => new Map((await deps.knowledge.entities.getMany(ids)).map((e) => [e.id, e.nameZh || e.nameEn]));
    this.exams = new ExamsService(deps.db, new ExamsRepository(deps.db), repo, names);
    this.transfer = new TransferService(deps.db, repo, this.bank, deps.knowledge);
  }
}
