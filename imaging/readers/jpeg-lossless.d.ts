/** The part of jpeg-lossless-decoder-js (its package points at a declaration file it does not ship) the DICOM reader uses. */
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** Decoded samples, little endian, `bytesPerSample` each (2 for 16-bit images). */
    decode(buffer: ArrayBuffer, offset: number, length: number, bytesPerSample?: number): Uint8Array | Uint16Array | Int16Array;
  }
}
