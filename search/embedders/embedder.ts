/**
 * The embedding port. `model` names the vector space (stored with every vector, so vectors from two
 * models are never compared); `dims` is fixed per model.
 */
export interface Embedder {
  readonly model: string;
  readonly dims: number;
  /** One vector per input text, L2-normalised, in input order. `purpose` lets asymmetric models prefix. */
  embed(texts: string[], purpose: 'document' | 'query'): Promise<Float32Array[]>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}
