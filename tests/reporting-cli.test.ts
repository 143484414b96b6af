import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNifti } from '../imaging/index.ts';
import { chestPhantom } from '../imaging/synthetic/index.ts';
import { ROOT } from './helpers/runtime.ts';

const exec = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');

/** `yingzhi report draft` / `yingzhi report qc` as a user runs them (fresh processes). */
describe('yingzhi report draft / qc', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'yz-report-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]) =>
    exec('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, YZ_LOG_LEVEL: 'silent', YZ_LLM: 'none', YZ_DATA_DIR: dir } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('--values --json: the text, every value with its source, and the guard result; the same values twice give the same text', async () => {
    const values = JSON.stringify({ findingType: 'lung_nodule', nodeType: 'solid', side: 'left', lobe: 'lower', segment: 'S9', longMm: 9.4, shortMm: 7.8 });
    const a = await cli(['report', 'draft', '--values', values, '--json']);
    expect(a.code).toBe(0);
    const d = JSON.parse(a.stdout);
    expect(d.findings).toBe('左肺下叶外基底段见一实性结节，大小约9.4mm×7.8mm。');
    expect(d.followUp.citation).toMatchObject({ table: '表10-1', page: 11 });
    expect(d.values.find((v: { slot: string }) => v.slot === 'meanDiameter')).toMatchObject({ text: '8.6mm', source: { kind: 'derived' } });
    expect(d.guard).toEqual({ ok: true, issues: [] });
    const b = await cli(['report', 'draft', '--values', values, '--json']);
    expect(JSON.parse(b.stdout).text).toBe(d.text);
  });

  it('drafts from a measurement file (`yingzhi measure --json`) and from an AI-result row file, each value citing where it came from; anything else is named', async () => {
    const chest = chestPhantom({ dims: [96, 80, 32] });
    writeFileSync(path.join(dir, 'ct.nii.gz'), writeNifti({ geometry: chest.geometry, data: chest.image, gzip: true }));
    writeFileSync(path.join(dir, 'mask.nii.gz'), writeNifti({ geometry: chest.geometry, data: chest.mask, gzip: true }));
    const measured = await cli(['measure', path.join(dir, 'ct.nii.gz'), path.join(dir, 'mask.nii.gz'), '--modality', 'CT', '--json']);
    expect(measured.code).toBe(0);
    const measurement = JSON.parse(measured.stdout);
    writeFileSync(path.join(dir, 'measurement.json'), measured.stdout);
    const lesion = measurement.lesions[0];
    const fromMeasurement = await cli(['report', 'draft', path.join(dir, 'measurement.json'), '--values', '{"side":"right","lobe":"upper","segment":"S1"}', '--json']);
    expect(fromMeasurement.code).toBe(0);
    const d = JSON.parse(fromMeasurement.stdout);
    const long = d.values.find((v: { slot: string }) => v.slot === 'long');
    expect(long.source.ref).toBe(`${measurement.id}#${lesion.ref}/axial.long_axis`);
    expect(d.findings).toContain(long.text);
    expect(d.findings.startsWith('右肺上叶尖段')).toBe(true);

    const row = {
      id: 'air_cli0001', jobId: null, connectorId: null, task: 'nodule_detection', studyUid: '1.2.3', seriesUid: null, status: 'succeeded', attempts: 1, lastError: null, model: 'demo-ai',
      findings: [{ kind: 'lesion', label: 'nodule', entity: null, laterality: 'left', location: { id: 'anat.left_lower_lobe', nameZh: '左肺下叶', nameEn: 'left lower lobe' }, segment: { code: 'S6', nameZh: '背段', nameEn: null }, sizeMm: { long: 9, short: 7 }, volumeMm3: null, meanHu: null, probability: 0.9, position: null }],
      unknownLabels: [], createdBy: 'test', createdAt: '2026-12-07T00:00:00Z', updatedAt: '2026-12-07T00:00:00Z',
    };
    writeFileSync(path.join(dir, 'ai.json'), JSON.stringify(row));
    const fromAi = await cli(['report', 'draft', path.join(dir, 'ai.json'), '--values', '{"nodeType":"solid"}', '--template', 'lung_nodule_brief', '--json']);
    expect(fromAi.code).toBe(0);
    const a = JSON.parse(fromAi.stdout);
    expect(a).toMatchObject({ templateId: 'lung_nodule_brief', findings: '左肺下叶背段实性结节，大小约9.0mm×7.0mm。' });
    expect(a.values.find((v: { slot: string }) => v.slot === 'long').source.ref).toBe('air_cli0001#findings/0/sizeMm.long');

    writeFileSync(path.join(dir, 'other.json'), '{"hello":"world"}');
    const other = await cli(['report', 'draft', path.join(dir, 'other.json')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/既不是测量结果也不是影像 AI 结果/);
  });

  it('a template value missing → exit 2 naming it; bad JSON → exit 2', async () => {
    const r = await cli(['report', 'draft', '--values', '{"findingType":"lung_nodule","nodeType":"solid","side":"right","lobe":"upper"}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/longMm/);
    const bad = await cli(['report', 'draft', '--values', '{"findingType":']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/JSON/);
  });

  it('report qc flags a left/right mismatch with its span and exits 1; a clean report exits 0', async () => {
    const file = path.join(dir, 'r.txt');
    const text = '所见：右肺下叶见一实性结节，大小约6mm×5mm。\n印象：左肺下叶实性结节。';
    writeFileSync(file, text);
    const r = await cli(['report', 'qc', file, '--json']);
    expect(r.code).toBe(1);
    const flag = JSON.parse(r.stdout).flags.find((f: { kind: string }) => f.kind === 'laterality');
    expect(flag.span).toEqual({ start: text.indexOf('左肺下叶'), end: text.indexOf('左肺下叶') + 4 });
    writeFileSync(file, '所见：右肺下叶见一实性结节，大小约6mm×5mm。\n印象：右肺下叶实性结节。');
    expect((await cli(['report', 'qc', file])).code).toBe(0);
  });
});
