/**
 * Builds the binary test fixtures in tests/fixtures (committed): a small Chinese text PDF, a PDF
 * with no text layer (an image only, like a scan), an encrypted PDF (qpdf) and a GBK text file.
 * Run once with: npx tsx scripts/make-test-fixtures.ts   (needs /usr/bin/chromium and qpdf).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const OUT = path.resolve(import.meta.dirname, '../tests/fixtures');

const TEXT_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>测试指南：肺结节随访（测试用）</title>
<style>body{font-family:"Noto Sans CJK SC";font-size:12pt} .p{page-break-after:always}</style></head><body>
<div class="p"><h1>1 范围</h1><p>本测试文件由影知项目编写，仅用于测试。纯磨玻璃结节（GGO）见于肺腺癌早期。</p>
<p>实性结节直径小于 6 mm 时一般无需常规随访。</p></div>
<div class="p"><h1>2 随访</h1><p>部分实性结节的实性成分增大提示恶性可能。分叶征和毛刺征提示恶性。</p></div>
<div><h1>3 处理</h1><p>未见纵隔淋巴结肿大。考虑手术切除。</p></div></body></html>`;

const IMAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>scan</title></head><body>
<svg width="600" height="800"><rect x="20" y="20" width="560" height="760" fill="#eee"/><circle cx="300" cy="300" r="120" fill="#999"/></svg>
</body></html>`;

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage();
  await page.setContent(TEXT_HTML);
  writeFileSync(path.join(OUT, 'text-zh.pdf'), await page.pdf({ format: 'A4' }));
  await page.setContent(IMAGE_HTML);
  writeFileSync(path.join(OUT, 'no-text-layer.pdf'), await page.pdf({ format: 'A4' }));
  await browser.close();
  execFileSync('qpdf', ['--encrypt', 'user-secret', 'owner-secret', '256', '--', path.join(OUT, 'text-zh.pdf'), path.join(OUT, 'encrypted.pdf')]);
  execFileSync('python3', ['-c', `open(${JSON.stringify(path.join(OUT, 'gbk-note.txt'))}, 'wb').write("急性阑尾炎影像要点（GBK 编码测试）\\n\\n阑尾增粗，直径大于 6 mm，周围脂肪间隙模糊。\\n\\n未见膈下游离气体。".encode('gbk'))`]);
  process.stdout.write('fixtures written\n');
}

await main();
