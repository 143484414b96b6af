import { parseDocument } from 'yaml';
import { AppError } from './errors.ts';

/** Front matter bigger than this is not metadata: refuse rather than parse it. */
export const MAX_FRONT_MATTER_CHARS = 64 * 1024;

const OPENER = /^---([^\r\n]*)\r?\n/;
const CLOSER = /^---[ \t]*$/m;
const YAML_LANGUAGES = new Set(['', 'yaml', 'yml']);

export interface FrontMatter {
  /** The YAML mapping (empty when the text has no front matter). */
  data: Record<string, unknown>;
  /** The text after the front matter (the whole text when there is none). */
  content: string;
}

/**
 * Split `---` front matter off a text and parse it as YAML data only: the YAML 1.2 core schema (strings,
 * numbers, booleans, null, maps, lists), no custom tags, bounded aliases. Nothing in a document is
 * ever evaluated. A fence naming another language (`---js`, `---javascript`, `---coffee`, …) is refused
 * with FRONT_MATTER_UNSUPPORTED rather than read as body, so the uploader learns their metadata was not
 * taken; invalid YAML is VALIDATION_FAILED. Without a closing `---` line the text has no front matter.
 */
export function splitFrontMatter(text: string, file: string): FrontMatter {
  const open = OPENER.exec(text);
  if (!open) return { data: {}, content: text };
  const language = open[1].trim().toLowerCase();
  if (!YAML_LANGUAGES.has(language)) {
    throw new AppError(
      'FRONT_MATTER_UNSUPPORTED',
      `${file}: front-matter 只接受 YAML，不支持 "---${open[1].trim()}" / only YAML front matter is accepted, not "${open[1].trim()}"`,
      { field: 'file', details: { language: open[1].trim().slice(0, 40) } },
    );
  }
  const rest = text.slice(open[0].length);
  const close = CLOSER.exec(rest);
  if (!close) return { data: {}, content: text };
  const source = rest.slice(0, close.index);
  const content = rest.slice(close.index + close[0].length).replace(/^\r?\n/, '');
  if (source.length > MAX_FRONT_MATTER_CHARS) {
    throw new AppError('VALIDATION_FAILED', `${file}: front-matter 超过 ${MAX_FRONT_MATTER_CHARS / 1024} KB / front matter too large`, { field: 'file' });
  }
  return { data: parseYamlMapping(source, file), content };
}

function parseYamlMapping(source: string, file: string): Record<string, unknown> {
  const invalid = (why: string) =>
    new AppError('VALIDATION_FAILED', `${file}: front-matter 不是有效的 YAML / invalid YAML front matter: ${why}`, { field: 'file' });
  const doc = parseDocument(source, { schema: 'core', uniqueKeys: true, prettyErrors: false, strict: true });
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) throw invalid(problem.message.split('\n')[0]);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 20 });
  } catch (e) {
    throw invalid((e as Error).message);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw invalid('应为键值映射 / expected a mapping of keys to values');
  return data as Record<string, unknown>;
}
