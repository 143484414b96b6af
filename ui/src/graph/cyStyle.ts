/** Cytoscape stylesheet and layouts for the graph page (kept apart from the React component). */
import type { LayoutOptions, StylesheetJson } from 'cytoscape';

const FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

export const CY_STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      'background-color': 'data(colour)',
      label: 'data(label)',
      'font-family': FONT,
      'font-size': 11,
      color: '#1f2933',
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'text-wrap': 'ellipsis',
      'text-max-width': '120px',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
      'text-background-padding': '1px',
      // Labels disappear when zoomed far out, so 500 nodes read as structure, not text soup.
      'min-zoomed-font-size': 7,
      width: 'mapData(degree, 1, 12, 16, 40)',
      height: 'mapData(degree, 1, 12, 16, 40)',
      'border-width': 1.5,
      'border-color': '#ffffff',
    },
  },
  { selector: 'node.hub', style: { 'font-weight': 'bold', 'min-zoomed-font-size': 0, 'text-background-opacity': 0.9, 'text-max-width': '200px' } },
  { selector: 'node.seed', style: { 'border-width': 3, 'border-color': '#1f2933', 'font-weight': 'bold' } },
  { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#f59e0b', 'overlay-opacity': 0 } },
  {
    selector: 'edge',
    style: {
      width: 1.6,
      'line-color': '#94a3b8',
      'target-arrow-color': '#94a3b8',
      'target-arrow-shape': 'triangle',
      'arrow-scale': 0.9,
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-family': FONT,
      'font-size': 9.5,
      color: '#52606d',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': '1px',
      'min-zoomed-font-size': 8,
    },
  },
  { selector: 'edge[predicate = "differential_of"]', style: { 'target-arrow-shape': 'none', 'line-color': '#a78bfa', 'target-arrow-color': '#a78bfa' } },
  { selector: 'edge[certainty = "possible"]', style: { 'line-style': 'dashed', 'line-dash-pattern': [6, 4] } },
  { selector: 'edge[certainty = "absent"]', style: { 'line-color': '#e0605a', 'target-arrow-color': '#e0605a', color: '#b42318' } },
  { selector: 'edge:selected', style: { width: 3.5, 'line-color': '#1f5f8b', 'target-arrow-color': '#1f5f8b', color: '#1f5f8b', 'overlay-opacity': 0 } },
];

/**
 * Force-directed (built-in cose), tuned by size on the demo graph: small neighbourhoods spread out so
 * edge labels stay legible; large graphs (up to 500 relations) pack tighter and lay out in ~1.5 s.
 */
export function layoutFor(nodeCount: number, fresh: boolean): LayoutOptions {
  const large = nodeCount > LARGE_GRAPH;
  return {
    name: 'cose',
    animate: false,
    // Fresh graphs get a deterministic spiral start from the canvas (see GraphCanvas), never a random one.
    randomize: false,
    fit: true,
    padding: 24,
    nodeDimensionsIncludeLabels: !large,
    idealEdgeLength: () => (large ? 50 : 120),
    nodeRepulsion: () => (large ? 60000 : 40000),
    edgeElasticity: () => 100,
    nestingFactor: 1.2,
    nodeOverlap: 20,
    gravity: large ? 4 : 0.8,
    componentSpacing: large ? 20 : 60,
    numIter: large ? 1500 : 2500,
    initialTemp: fresh ? 1000 : 200,
    coolingFactor: 0.99,
    minTemp: 1,
  } as LayoutOptions;
}

/** Above this many nodes the layout packs tighter. */
export const LARGE_GRAPH = 150;
/** How many of the best-connected nodes keep a readable label at any zoom. */
export const HUB_COUNT = 20;
