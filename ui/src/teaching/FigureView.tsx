import { type KeyboardEvent, type MouseEvent, useEffect, useState } from 'react';
import { request } from '../api.ts';

export interface Region { x: number; y: number; r: number }
export interface FigureRef { figureId: string; region: Region | null }
interface FigureMeta { source: 'png' | 'jpeg' | 'dicom'; synthetic: boolean; width: number; height: number }

/**
 * The figure of an image-reading item (读片题) with its region mark (a circle), positioned in fractions of the
 * image so it stays on the lesion at any displayed size. With `onMark`, a click on the image sets the region.
 */
export function FigureView({ figure, onMark }: { figure: FigureRef; onMark?: (r: Region) => void }) {
  const [meta, setMeta] = useState<FigureMeta | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    request<FigureMeta>('GET', `/api/teaching/figures/${encodeURIComponent(figure.figureId)}/meta`, ctl.signal).then(setMeta, () => undefined);
    return () => ctl.abort();
  }, [figure.figureId]);
  const mark = (e: MouseEvent<HTMLImageElement>) => {
    if (!onMark) return;
    const box = e.currentTarget.getBoundingClientRect();
    const round = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
    onMark({ x: round((e.clientX - box.left) / box.width), y: round((e.clientY - box.top) / box.height), r: figure.region?.r ?? 0.06 });
  };
  // Keyboard: arrow keys move the mark by 2 % of the image, Enter places it in the centre when there is none.
  const nudge = (e: KeyboardEvent<HTMLImageElement>) => {
    if (!onMark) return;
    const r = figure.region ?? { x: 0.5, y: 0.5, r: 0.06 };
    const step: Record<string, [number, number]> = { ArrowLeft: [-0.02, 0], ArrowRight: [0.02, 0], ArrowUp: [0, -0.02], ArrowDown: [0, 0.02], Enter: [0, 0] };
    const d = step[e.key];
    if (!d) return;
    e.preventDefault();
    onMark({ x: Math.min(1, Math.max(0, r.x + d[0])), y: Math.min(1, Math.max(0, r.y + d[1])), r: r.r });
  };
  return (
    <figure className="item-figure" data-testid="item-figure">
      <div className="frame">
        <img
          src={`/api/teaching/figures/${encodeURIComponent(figure.figureId)}`}
          alt="读片题附图"
          onClick={mark}
          onKeyDown={nudge}
          tabIndex={onMark ? 0 : undefined}
          style={onMark ? { cursor: 'crosshair' } : undefined}
        />
        {figure.region && (
          <span
            className="region"
            data-testid="figure-region"
            style={{ left: `${figure.region.x * 100}%`, top: `${figure.region.y * 100}%`, width: `${figure.region.r * 200}%` }}
          />
        )}
      </div>
      <figcaption>
        {meta?.synthetic && <span className="badge synthetic" data-testid="figure-synthetic" title="演示用合成图像，不是患者的影像 / a drawn demo image, not a patient's">合成示意图 · 非真实患者影像</span>}
        {meta && <span className="muted" data-testid="figure-source"> {meta.source === 'dicom' ? 'DICOM 渲染' : meta.source.toUpperCase()} {meta.width}×{meta.height}</span>}
        {onMark && <span className="muted"> 点击图像标记所问区域 / click the image to mark the region</span>}
      </figcaption>
    </figure>
  );
}
