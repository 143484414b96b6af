import { useEffect, useRef, useState } from 'react';
import { ErrorAlert, Loading } from '../components.tsx';
import { libraryApi } from './api.ts';
import { useLibT } from './i18n.ts';
import { passageRuns } from './pdf-highlight.ts';

/** A text item of pdf.js's getTextContent (marked content items have no `str`). */
interface TextRun {
  str: string;
  transform: number[];
  width: number;
}

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The original PDF pages of a passage, drawn in the browser by pdf.js from the stored file (fetched
 * with the user's session), the passage's text runs highlighted. pdf.js is loaded on first use, with
 * eval disabled: a PDF is hostile input.
 */
export function PdfPages({ sourceId, pageStart, pageEnd, passage }: { sourceId: string; pageStart: number; pageEnd: number; passage: string }) {
  const { t } = useLibT();
  const [doc, setDoc] = useState<import('pdfjs-dist').PDFDocumentProxy | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    let loaded: import('pdfjs-dist').PDFDocumentProxy | null = null;
    (async () => {
      const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]);
      pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
      const res = await fetch(libraryApi.fileUrl(sourceId), { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      loaded = await pdfjs.getDocument({ data: new Uint8Array(await res.arrayBuffer()), isEvalSupported: false, enableXfa: false }).promise;
      if (!cancelled) setDoc(loaded);
    })().catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
      void loaded?.destroy();
    };
  }, [sourceId]);
  if (error) return <ErrorAlert error={error} title={t('pdf.failed')} />;
  if (!doc) return <Loading label={t('pdf.loading')} />;
  const pages = [];
  for (let p = pageStart; p <= Math.min(pageEnd, doc.numPages); p++) pages.push(p);
  return (
    <div className="pdf-pages" data-testid="pdf-pages">
      {pages.map((p) => (
        <PdfPage key={p} doc={doc} page={p} passage={passage} continues={p > pageStart} continuesAfter={p < pageEnd} />
      ))}
    </div>
  );
}

function PdfPage({ doc, page, passage, continues, continuesAfter }: { doc: import('pdfjs-dist').PDFDocumentProxy; page: number; passage: string; continues: boolean; continuesAfter: boolean }) {
  const { t } = useLibT();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [rects, setRects] = useState<Rect[] | null>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const pdfjs = await import('pdfjs-dist');
      const p = await doc.getPage(page);
      const viewport = p.getViewport({ scale: 1.4 });
      const canvas = canvasRef.current;
      if (!canvas || cancelled) return;
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      setSize({ width: viewport.width, height: viewport.height });
      await p.render({ canvas, viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] }).promise;
      const content = await p.getTextContent();
      const runs: TextRun[] = content.items.flatMap((i) => ('str' in i ? [i] : []));
      const marked = passageRuns(runs, passage, { continues, continuesAfter });
      if (cancelled) return;
      setRects(
        marked.map((i) => {
          const r = runs[i];
          const m = pdfjs.Util.transform(viewport.transform, r.transform);
          const height = Math.hypot(m[2], m[3]);
          return { left: m[4], top: m[5] - height, width: r.width * viewport.scale, height: height * 1.15 };
        }),
      );
    })().catch(() => !cancelled && setRects([]));
    return () => {
      cancelled = true;
    };
  }, [doc, page, passage, continues, continuesAfter]);
  return (
    <figure className="pdf-page" data-page={page}>
      <figcaption className="page-label">
        {t('pdf.page', { n: page })}
        {rects !== null && rects.length === 0 && <span className="muted small"> · {t('pdf.notLocated')}</span>}
      </figcaption>
      <div className="pdf-canvas-wrap" style={size ? { width: size.width, height: size.height } : undefined}>
        <canvas ref={canvasRef} style={size ? { width: size.width, height: size.height } : undefined} data-testid="pdf-canvas" />
        {rects?.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rectangles have no identity beyond their order
          <span key={i} className="pdf-mark" style={{ left: r.left, top: r.top, width: r.width, height: r.height }} data-testid="pdf-highlight" />
        ))}
      </div>
    </figure>
  );
}
