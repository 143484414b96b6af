import { useState } from 'react';
import { fetchJson } from '../api.ts';
import type { CaseImage } from './types.ts';

const SOURCE_ZH: Record<CaseImage['source'], string> = { png: 'PNG', jpeg: 'JPEG', dicom: 'DICOM 渲染' };

/**
 * A typical case's key images (关键图像). With `onChanged` (curators) an image can be added: the server decides the
 * type by its bytes, strips metadata and de-identifies the caption; the notice says what was removed.
 */
export function KeyImages({ caseId, images, onChanged, compact = false }: { caseId: string; images: CaseImage[]; onChanged?: () => void; compact?: boolean }) {
  const [caption, setCaption] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  async function upload(file: File) {
    const form = new FormData();
    if (caption.trim()) form.append('caption', caption.trim());
    form.append('file', file);
    setBusy(true);
    try {
      const r = await fetchJson<{ created: boolean; metadataRemoved: string[] }>(`/api/cases/${encodeURIComponent(caseId)}/images`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
      setMessage({ text: r.created ? `已添加关键图像${r.metadataRemoved.length ? `；已去除元数据：${r.metadataRemoved.join('、')}` : ''}` : '该图像已在此病例中', error: false });
      setCaption('');
      onChanged?.();
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  }
  if (!images.length && !onChanged) return null;
  return (
    <div className={`key-images${compact ? ' compact' : ''}`} data-testid="key-images">
      {images.map((img) => (
        <figure key={img.id} data-testid="key-image">
          <img src={`/api/cases/${encodeURIComponent(caseId)}/images/${encodeURIComponent(img.id)}`} alt={img.caption || '关键图像'} loading="lazy" />
          <figcaption className="small">{img.caption || '关键图像'} <span className="muted">{SOURCE_ZH[img.source]} {img.width}×{img.height}</span></figcaption>
        </figure>
      ))}
      {onChanged && (
        <div className="key-image-upload">
          <label>说明 <input data-testid="key-image-caption" value={caption} maxLength={300} onChange={(e) => setCaption(e.target.value)} placeholder="如：肺窗示分叶征" /></label>
          <label>添加关键图像（PNG / JPEG / DICOM）<input type="file" data-testid="key-image-file" disabled={busy} accept=".png,.jpg,.jpeg,.dcm,image/png,image/jpeg,application/dicom" onChange={(e) => e.target.files?.[0] && void upload(e.target.files[0])} /></label>
          <span className="muted small">图像元数据（EXIF 等）将被去除</span>
          {message && <p className={`small ${message.error ? 'warn-text' : 'notice'}`} role={message.error ? 'alert' : undefined} data-testid="key-image-message">{message.text}</p>}
        </div>
      )}
    </div>
  );
}
