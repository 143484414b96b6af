import type { z } from 'zod';
import { surfaceKey } from '../../core/index.ts';
import { type EntityLine, EntityLineSchema, type HeaderLine, HeaderLineSchema, type RelationLine, RelationLineSchema } from './format.ts';

/** A problem with one line of the file; `field` is a path inside the line (`evidence.0.source.year`). */
export interface ImportError {
  line: number;
  field: string;
  message: string;
}

export interface Numbered<T> {
  line: number;
  value: T;
}

export interface ParsedFile {
  header: Numbered<HeaderLine> | null;
  entities: Map<string, Numbered<EntityLine>>;
  relations: Numbered<RelationLine>[];
  /** Ids of entity lines that failed validation: a relation naming one is not reported a second time. */
  brokenEntityIds: Set<string>;
}

/**
 * Read and check the file on its own, before the database is consulted: every line JSON, header first
 * with the right format and version, each line against its schema, duplicate ids, alias keys, and the
 * header counts. Problems are appended to `errors`; the valid lines are returned.
 */
export function parseFile(text: string, errors: ImportError[]): ParsedFile {
  const file: ParsedFile = { header: null, entities: new Map(), relations: [], brokenEntityIds: new Set() };
  const firstLineOf = { entity: new Map<string, number>(), relation: new Map<string, number>() };
  const lines = text.split('\n');
  let seenLine = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (!raw.trim()) continue;
    const line = i + 1;
    const first = !seenLine;
    seenLine = true;
    const err = (field: string, message: string) => errors.push({ line, field, message });
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      err('json', `不是有效的 JSON / not valid JSON: ${(e as Error).message}`);
      continue;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      err('json', '不是 JSON 对象 / not a JSON object');
      continue;
    }
    if (hasNul(json)) {
      err('json', '含 NUL 字符 (U+0000)，数据库无法保存 / contains a NUL character, which the database cannot store');
      continue;
    }
    const kind = (json as { kind?: unknown }).kind;
    if (first && kind !== 'header') err('kind', '第一行必须是文件头 / the first line must be the header {"kind":"header",…}');
    if (kind === 'header') {
      if (!first) {
        err('kind', '文件头只能出现在第一行 / the header may only be the first line');
        continue;
      }
      const parsed = HeaderLineSchema.safeParse(json);
      if (parsed.success) file.header = { line, value: parsed.data };
      else reportIssues(parsed.error, err);
    } else if (kind === 'entity' || kind === 'relation') {
      const id = (json as { id?: unknown }).id;
      const seen = typeof id === 'string' ? firstLineOf[kind].get(id) : undefined;
      if (typeof id === 'string' && seen === undefined) firstLineOf[kind].set(id, line);
      if (seen !== undefined) err('id', `重复的 ${kind} id ${id}（首次出现在第 ${seen} 行）/ duplicate ${kind} id, first on line ${seen}`);
      if (kind === 'entity') {
        const parsed = EntityLineSchema.safeParse(json);
        const problems = parsed.success ? aliasProblems(parsed.data) : [];
        if (!parsed.success) reportIssues(parsed.error, err);
        for (const p of problems) err(p.field, p.message);
        if (parsed.success && !problems.length && seen === undefined) file.entities.set(parsed.data.id, { line, value: parsed.data });
        else if (typeof id === 'string') file.brokenEntityIds.add(id);
      } else {
        const parsed = RelationLineSchema.safeParse(json);
        if (!parsed.success) reportIssues(parsed.error, err);
        else if (seen === undefined) file.relations.push({ line, value: parsed.data });
      }
    } else {
      err('kind', `未知的行类型 ${JSON.stringify(kind)} / unknown kind; expected header, entity or relation`);
    }
  }
  if (!seenLine) errors.push({ line: 1, field: 'json', message: '文件为空 / the file is empty' });
  if (file.header && !errors.length) checkCounts(file, errors);
  return file;
}

/** Compared only when every line is otherwise valid: they exist to catch a file cut short at a line boundary. */
function checkCounts(file: ParsedFile, errors: ImportError[]): void {
  const header = file.header as Numbered<HeaderLine>;
  const actual = {
    entities: file.entities.size,
    relations: file.relations.length,
    evidence: file.relations.reduce((n, r) => n + r.value.evidence.length, 0),
  };
  for (const key of ['entities', 'relations', 'evidence'] as const) {
    if (header.value.counts[key] !== actual[key]) {
      errors.push({
        line: header.line, field: `counts.${key}`,
        message: `文件头记录 ${header.value.counts[key]}，实际 ${actual[key]}（文件不完整？）/ header says ${header.value.counts[key]} ${key}, the file has ${actual[key]} (cut short?)`,
      });
    }
  }
}

/** Aliases are keyed by their normalised form: each must have one, and no two of an entity the same. */
function aliasProblems(e: EntityLine): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const seen = new Map<string, number>();
  e.aliases.forEach((a, i) => {
    const key = surfaceKey(a.surface);
    if (!key) out.push({ field: `aliases.${i}.surface`, message: '别名规范化后为空 / alias is empty once normalised' });
    else if (seen.has(key)) out.push({ field: `aliases.${i}.surface`, message: `与别名 ${seen.get(key)} 规范化后相同 / same normalised form as alias ${seen.get(key)}` });
    else seen.set(key, i);
  });
  return out;
}

function reportIssues(error: z.ZodError, err: (field: string, message: string) => void): void {
  for (const issue of error.issues) err(issue.path.join('.') || 'json', issue.message);
}

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(hasNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
  return false;
}
