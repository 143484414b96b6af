/**
 * The embedding port. `model` names the vector space (stored with every vector, so vectors from two
 * models are never compared); `dims` is fixed per model.
 */
export interface Embedder {
  readonly model: string;
  readonly dims: number;
  /**
   * True when similarity only reflects shared characters/terms (the offline hash embedder): its
   * nearest neighbours for a query whose words occur nowhere in the corpus are noise, not meaning.
   */
  readonly lexical: boolean;
  /**
   * One vector per input text, L2-normalised, in input order. `purpose` is the text's role: asymmetric
   * models embed a search query and a stored passage differently (e5: `query: ` / `passage: ` prefixes,
   * sent as `input_type`). `lexemes`, when given, are the texts' index lexemes (one array per text): embedders that
   * work from tokens use them instead of segmenting again; model-based embedders ignore them.
   */
  embed(texts: string[], purpose: 'document' | 'query', lexemes?: string[][]): Promise<Float32Array[]>;
  /** Stop what the embedder started (a managed model server). */
  close?(): Promise<void>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}
