import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNifti } from '../imaging/index.ts';
import { chestPhantom, makePhantom, writeSeg, writeSeries } from '../imaging/synthetic/index.ts';
import { imagingTmp, sphereSpec } from './helpers/imaging.ts';
import { ROOT } from './helpers/runtime.ts';

const exec = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');

/** `yingzhi measure` and `yingzhi protocol-qc` as a user runs them (fresh processes, generated files). */
describe('yingzhi measure / protocol-qc', { timeout: 120_000 }, () => {
  const tmp = imagingTmp();
  afterAll(() => tmp.cleanup());
  const cli = (args: string[], env: Record<string, string> = {}) =>
    exec('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, YZ_LOG_LEVEL: 'silent', YZ_DATA_DIR: tmp.dir, ...env }, maxBuffer: 32 * 1024 * 1024 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('measures a DICOM series directory with a DICOM SEG (--json) and a NIfTI pair (text), with --label and --threshold', async () => {
    const p = chestPhantom({ dims: [96, 80, 40] });
    const dir = path.join(tmp.dir, 'ct');
    mkdirSync(dir);
    for (const f of writeSeries({ geometry: p.geometry, pixels: p.image, rescale: { slope: 1, intercept: -1024 } })) writeFileSync(path.join(dir, f.name), f.bytes);
    writeFileSync(path.join(tmp.dir, 'seg.dcm'), writeSeg({ geometry: p.geometry, labels: p.mask, segments: { 1: '右肺上叶部分实性结节', 2: '左肺实性结节' } }));
    const r = await cli(['measure', dir, path.join(tmp.dir, 'seg.dcm'), '--label', '1', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.lesions).toHaveLength(1);
    expect(out.lesions[0]).toMatchObject({ label: 1, labelName: '右肺上叶部分实性结节', solidComponent: { nodeType: 'part_solid' } });
    expect(out.provenance).toMatchObject({ image: { kind: 'dicom' }, mask: { kind: 'dicom_seg' }, modality: 'CT', modalitySource: 'header' });
    const shares = await cli(['measure', dir, path.join(tmp.dir, 'seg.dcm'), '--reference-label', '1']);
    expect(shares.code).toBe(0);
    expect(shares.stdout).toMatch(/器官体积\/占比 label volumes and shares \(ratio to L1\)\n {2}L1 右肺上叶部分实性结节: [\d.]+ cm³, [\d.]+ %\n {2}L2 左肺实性结节: [\d.]+ cm³, [\d.]+ %, ×0\.\d{3} of L1/);

    const s = makePhantom({ ...sphereSpec(6, 40), noise: 5 });
    const prob = new Float32Array(s.mask.length).map((_, n) => (s.mask[n] ? 0.9 : 0.1));
    writeFileSync(path.join(tmp.dir, 'ct.nii.gz'), writeNifti({ geometry: s.geometry, data: s.image, gzip: true }));
    writeFileSync(path.join(tmp.dir, 'prob.nii.gz'), writeNifti({ geometry: s.geometry, data: prob, gzip: true }));
    const text = await cli(['measure', path.join(tmp.dir, 'ct.nii.gz'), path.join(tmp.dir, 'prob.nii.gz'), '--threshold', '0.5', '--modality', 'CT']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/L1: 体积 volume [\d.]+ mm³/);
    expect(text.stdout).toMatch(/CT 值 mean 4\d\.\d ± /);
  });

  it('bad input: one clear line and a non-zero exit (label absent, mask grid elsewhere, missing file)', async () => {
    const s = makePhantom({ ...sphereSpec(4, 40), noise: 5 });
    writeFileSync(path.join(tmp.dir, 'a.nii'), writeNifti({ geometry: s.geometry, data: s.image }));
    writeFileSync(path.join(tmp.dir, 'm.nii'), writeNifti({ geometry: s.geometry, data: s.mask }));
    writeFileSync(path.join(tmp.dir, 'far.nii'), writeNifti({ geometry: { ...s.geometry, origin: [900, 0, 0] }, data: s.mask }));
    const label = await cli(['measure', path.join(tmp.dir, 'a.nii'), path.join(tmp.dir, 'm.nii'), '--label', '4']);
    expect(label.code).toBe(2);
    expect(label.stderr).toMatch(/LABEL_NOT_FOUND.*label 4/);
    const far = await cli(['measure', path.join(tmp.dir, 'a.nii'), path.join(tmp.dir, 'far.nii'), '--json']);
    expect(far.code).toBe(2);
    expect(JSON.parse(far.stdout).error.code).toBe('MASK_GEOMETRY_MISMATCH');
    const missing = await cli(['measure', path.join(tmp.dir, 'nope.nii'), path.join(tmp.dir, 'm.nii')]);
    expect(missing.code).toBe(3);
  });

  it('ai-map maps an AI result document to graph entities and lists unknown labels; a document outside the contract is refused', async () => {
    const doc = {
      model: { name: 'SegAI', version: '1' },
      task: 'segmentation',
      studyInstanceUid: '1.2.3.4',
      segments: [{ label: 'kidney_left', volumeMl: 150 }, { label: 'vertebrae_L3' }, { label: 'mystery_organ' }],
    };
    writeFileSync(path.join(tmp.dir, 'ai.json'), JSON.stringify(doc));
    const r = await cli(['ai-map', path.join(tmp.dir, 'ai.json'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.findings[0]).toMatchObject({ kind: 'organ', laterality: 'left', volumeMm3: 150_000, entity: { id: expect.stringMatching(/kidney/) } });
    expect(out.findings[1]).toMatchObject({ segment: { code: 'L3' } });
    expect(out.unknownLabels).toEqual(['mystery_organ']);
    const text = await cli(['ai-map', path.join(tmp.dir, 'ai.json')]);
    expect(text.stderr).toContain('unmapped labels: mystery_organ');
    writeFileSync(path.join(tmp.dir, 'bad-ai.json'), JSON.stringify({ ...doc, segments: [{ label: '' }] }));
    const bad = await cli(['ai-map', path.join(tmp.dir, 'bad-ai.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/VALIDATION_FAILED.*segments\.0\.label/);
  });

  it('protocol-qc checks every series of a directory (--json), and exits non-zero when one fails', async () => {
    const p = chestPhantom({ dims: [80, 64, 210], spacing: [0.7, 0.7, 1.25] });
    const dir = path.join(tmp.dir, 'study');
    mkdirSync(dir);
    const head = { KVP: 120, CTDIvol: 8, ConvolutionKernel: 'B70f', ProtocolName: 'Thorax routine', BodyPartExamined: 'CHEST', ManufacturerModelName: 'Gamma', SeriesDate: '20261201' };
    for (const f of writeSeries({ geometry: p.geometry, pixels: p.image, rescale: { slope: 1, intercept: -1024 }, header: head })) writeFileSync(path.join(dir, `a-${f.name}`), f.bytes);
    for (const f of writeSeries({ geometry: p.geometry, pixels: p.image, rescale: { slope: 1, intercept: -1024 }, header: { ...head, SliceThickness: 5, ProtocolName: 'Knee 膝关节', BodyPartExamined: 'KNEE' } })) writeFileSync(path.join(dir, `b-${f.name}`), f.bytes);
    const r = await cli(['protocol-qc', dir, '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.results).toHaveLength(2);
    const chest = out.results.find((x: { protocolName: string }) => x.protocolName === 'Thorax routine');
    const knee = out.results.find((x: { protocolName: string }) => x.protocolName === 'Knee 膝关节');
    expect(chest).toMatchObject({ status: 'pass', examType: { id: 'chest_ct' } });
    expect(knee).toMatchObject({ status: 'warn', examType: null });
    expect(knee.warnings.join()).toMatch(/no protocol rule set matches/);
    const text = await cli(['protocol-qc', dir]);
    expect(text.stdout).toMatch(/✓ PASS 100/);
  });
});
