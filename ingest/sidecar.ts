import { existsSync, readFileSync } from 'node:fs';
import { AppError } from '../core/index.ts';
import { type SourceMetaInput, SourceMetaInputSchema } from './document.ts';

/** Metadata from `<file>.meta.json` beside a file, when present (used by the CLI and the demo loader). */
export function loadSidecarMeta(filePath: string): SourceMetaInput {
  const sidecar = `${filePath}.meta.json`;
  if (!existsSync(sidecar)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(sidecar, 'utf8'));
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', `${sidecar} 不是有效的 JSON / invalid JSON: ${(e as Error).message}`, { field: 'sidecar' });
  }
  const parsed = SourceMetaInputSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_FAILED', `${sidecar}: ${issue?.path.join('.')} ${issue?.message}`, { field: String(issue?.path[0] ?? 'sidecar') });
  }
  return parsed.data;
}
