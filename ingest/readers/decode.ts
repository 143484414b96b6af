import { AppError } from '../../core/index.ts';

/**
 * Decode a text file: BOM first (UTF-8/UTF-16), then strict UTF-8, then GB18030 (a superset of
 * GBK/GB2312, the encodings Chinese hospital systems still export). Uses the platform TextDecoder
 * (full ICU in Node) rather than a library: strict (`fatal`) decoding is exactly the detector we need.
 */
export function decodeText(bytes: Uint8Array, fileName: string): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return strict(bytes.subarray(3), 'utf-8', fileName);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return strict(bytes.subarray(2), 'utf-16le', fileName);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return strict(bytes.subarray(2), 'utf-16be', fileName);
  if (bytes.subarray(0, 8192).includes(0)) {
    throw new AppError('UNSUPPORTED_FILE_TYPE', `${fileName} 看起来是二进制文件，不是文本 / looks binary, not text`, { field: 'file' });
  }
  for (const encoding of ['utf-8', 'gb18030']) {
    try {
      return { text: new TextDecoder(encoding, { fatal: true }).decode(bytes), encoding };
    } catch {
      // try the next encoding
    }
  }
  throw new AppError('TEXT_DECODE_FAILED', `${fileName} 既不是 UTF-8 也不是 GB18030/GBK 编码 / not valid UTF-8 or GB18030`, {
    field: 'file',
  });
}

function strict(bytes: Uint8Array, encoding: string, fileName: string) {
  try {
    return { text: new TextDecoder(encoding, { fatal: true }).decode(bytes), encoding };
  } catch {
    throw new AppError('TEXT_DECODE_FAILED', `${fileName}: 声明为 ${encoding} 但内容无法解码 / invalid ${encoding}`, { field: 'file' });
  }
}
