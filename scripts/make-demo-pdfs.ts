/**
 * Prints selected demo documents to PDF with Chromium (CJK fonts from fonts-noto-cjk), one
 * Markdown page (`<!-- page: N -->`) per PDF page, so citations name the same page in both forms.
 * Output: demo/pdf/<slug>.pdf and <slug>.pdf.meta.json (kind, version, year… from the front-matter).
 * Run: npm run demo:pdf   (needs /usr/bin/chromium; the generated PDFs are committed).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { marked } from 'marked';
import { chromium } from 'playwright-core';
import { splitFrontMatter } from '../core/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
export const PDF_DOCS = ['lung-nodule-guideline', 'stroke-textbook'];

const CSS = `
  @page { size: A4; margin: 16mm 15mm 16mm 15mm; }
  html, body { margin: 0; padding: 0; }
  body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; color: #111; }
  .page { height: 263mm; overflow: hidden; page-break-after: always; break-after: page; position: relative; }
  .page:last-child { page-break-after: auto; break-after: auto; }
  .content { font-size: 10.5pt; line-height: 1.6; }
  .folio { position: absolute; bottom: 0; width: 100%; text-align: center; font-size: 8pt; color: #666; }
  h1 { font-size: 15pt; margin: 8pt 0 6pt; } h2 { font-size: 12.5pt; margin: 7pt 0 4pt; } h3 { font-size: 11pt; margin: 6pt 0 3pt; }
  p { margin: 0 0 5pt; text-align: justify; } ul, ol { margin: 0 0 5pt 16pt; padding: 0; }
  table { border-collapse: collapse; margin: 4pt 0 6pt; font-size: 9pt; } td, th { border: 0.5pt solid #888; padding: 2pt 4pt; }
  blockquote { margin: 0 0 6pt; padding: 4pt 8pt; border-left: 2pt solid #c33; color: #833; background: #fdf3f3; }
`;

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.YZ_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const outDir = path.join(ROOT, 'demo/pdf');
  mkdirSync(outDir, { recursive: true });
  for (const slug of PDF_DOCS) {
    const { data, content } = splitFrontMatter(readFileSync(path.join(ROOT, 'demo/corpus', `${slug}.md`), 'utf8'), `${slug}.md`);
    const pages = content.split(/^[ \t]*<!--\s*page:\s*\d+\s*-->[ \t]*$/m).map((p) => p.trim()).filter(Boolean);
    const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${data.title}</title><style>${CSS}</style></head><body>${pages
      .map((p, i) => `<section class="page"><div class="content">${marked.parse(p)}</div><div class="folio">— ${i + 1} —</div></section>`)
      .join('')}</body></html>`;
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    // Shrink the type on any page whose text would overflow, so one Markdown page stays one PDF page.
    await page.evaluate(() => {
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('.page'))) {
        const content = el.querySelector<HTMLElement>('.content');
        if (!content) continue;
        let size = 10.5;
        while (content.scrollHeight > el.clientHeight - 24 && size > 6) {
          size -= 0.25;
          content.style.fontSize = `${size}pt`;
        }
      }
    });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    await page.close();
    writeFileSync(path.join(outDir, `${slug}.pdf`), pdf);
    const meta = { kind: data.kind, title: data.title, publisher: data.publisher, version: String(data.version), year: data.year, language: data.language, demo: true };
    writeFileSync(path.join(outDir, `${slug}.pdf.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
    process.stdout.write(`${slug}.pdf: ${pages.length} pages, ${(pdf.length / 1024).toFixed(0)} KiB\n`);
  }
  await browser.close();
}

await main();
