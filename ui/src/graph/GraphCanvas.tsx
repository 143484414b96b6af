import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import { useEffect, useRef } from 'react';
import type { EntityType, GraphEntity, GraphRelation } from '../api.ts';
import { type Lang, translate } from '../i18n.ts';
import { TYPE_COLOURS } from '../kg/vocab.ts';
import { CY_STYLE, HUB_COUNT, layoutFor } from './cyStyle.ts';

declare global {
  interface Window {
    /** The page's Cytoscape instance, for the browser tests (node/edge counts and ids). */
    __yzCy?: Core;
  }
}

export type GraphSelection = { kind: 'node'; id: string } | { kind: 'edge'; id: string } | null;

export interface GraphCanvasProps {
  nodes: readonly GraphEntity[];
  edges: readonly GraphRelation[];
  seeds: readonly string[];
  /** The node the last expansion started from: new nodes appear around it. */
  anchor: string | null;
  lang: Lang;
  selected: GraphSelection;
  onSelect: (s: GraphSelection) => void;
  onExpand: (id: string) => void;
}

const nodeLabel = (n: GraphEntity, lang: Lang) => (lang === 'en' && n.nameEn ? n.nameEn : n.nameZh);

/**
 * Cytoscape owns the canvas; React hands it the current nodes and edges and this component applies
 * only the difference, so an expansion keeps what the reader has already looked at in place.
 */
export function GraphCanvas({ nodes, edges, seeds, anchor, lang, selected, onSelect, onExpand }: GraphCanvasProps) {
  const box = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const handlers = useRef({ onSelect, onExpand });
  handlers.current = { onSelect, onExpand };

  useEffect(() => {
    if (!box.current) return;
    const cy = cytoscape({ container: box.current, style: CY_STYLE, minZoom: 0.05, maxZoom: 4, wheelSensitivity: 0.3, boxSelectionEnabled: false });
    cy.on('tap', 'node', (e) => handlers.current.onSelect({ kind: 'node', id: e.target.id() }));
    cy.on('tap', 'edge', (e) => handlers.current.onSelect({ kind: 'edge', id: e.target.id() }));
    cy.on('tap', (e) => {
      if (e.target === cy) handlers.current.onSelect(null);
    });
    cy.on('dbltap', 'node', (e) => handlers.current.onExpand(e.target.id()));
    cy.on('zoom', () => scaleHubLabels(cy));
    cyRef.current = cy;
    window.__yzCy = cy;
    return () => {
      if (window.__yzCy === cy) window.__yzCy = undefined;
      cy.destroy();
      cyRef.current = null;
    };
  }, []);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const nodeIds = new Set(nodes.map((n) => n.id));
    const liveEdges = edges.filter((e) => nodeIds.has(e.subjectId) && nodeIds.has(e.objectId));
    const edgeIds = new Set(liveEdges.map((e) => e.id));
    const before = cy.nodes().length;
    const added: ElementDefinition[] = [];
    cy.batch(() => {
      cy.elements().forEach((el) => {
        if (!(el.isNode() ? nodeIds : edgeIds).has(el.id())) el.remove();
      });
      const kept = cy.nodes().length;
      const origin = anchor && cy.getElementById(anchor).nonempty() ? cy.getElementById(anchor).position() : null;
      let i = 0;
      for (const n of nodes) {
        const data = { id: n.id, label: nodeLabel(n, lang), type: n.type, colour: TYPE_COLOURS[n.type as EntityType] ?? '#8a96a3' };
        const el = cy.getElementById(n.id);
        if (el.nonempty()) el.data(data);
        else {
          // New nodes start on a ring around the expanded node, so the layout only has to refine.
          const angle = (2 * Math.PI * i++) / Math.max(6, nodes.length - kept);
          const position = origin ? { x: origin.x + 120 * Math.cos(angle), y: origin.y + 120 * Math.sin(angle) } : undefined;
          added.push({ group: 'nodes', data, position });
        }
      }
      cy.add(added);
      const edgeDefs: ElementDefinition[] = [];
      for (const e of liveEdges) {
        const data = { id: e.id, source: e.subjectId, target: e.objectId, predicate: e.predicate, certainty: e.certainty, label: translate(lang, `predicate.${e.predicate}`) };
        const el = cy.getElementById(e.id);
        if (el.nonempty()) el.data(data);
        else edgeDefs.push({ group: 'edges', data });
      }
      cy.add(edgeDefs);
      cy.nodes().forEach((n) => {
        n.data('degree', n.degree(false));
      });
      const seedSet = new Set(seeds);
      cy.nodes().forEach((n) => {
        n.toggleClass('seed', seedSet.has(n.id()));
      });
      // The best-connected nodes stay named when zoomed out to an overview (others need a closer look).
      const hubs = new Set(
        cy
          .nodes()
          .sort((a, b) => b.degree(false) - a.degree(false))
          .slice(0, HUB_COUNT)
          .map((n) => n.id()),
      );
      cy.nodes('.hub').removeStyle('font-size text-max-width');
      cy.nodes().forEach((n) => {
        n.toggleClass('hub', hubs.has(n.id()));
      });
    });
    const count = cy.nodes().length;
    if (count === 0 || added.length === 0) return;
    // A fresh graph (or one that more than doubled) starts from a spiral with the best-connected
    // nodes in the middle (deterministic, unlike cose's random start); an expansion only refines.
    const fresh = before === 0 || added.length > before;
    if (fresh) {
      cy.nodes()
        .sort((a, b) => b.degree(false) - a.degree(false) || (a.id() < b.id() ? -1 : 1))
        .forEach((n, i) => {
          n.position({ x: 30 * Math.sqrt(i) * Math.cos(i * GOLDEN_ANGLE), y: 30 * Math.sqrt(i) * Math.sin(i * GOLDEN_ANGLE) });
        });
    }
    cy.layout(layoutFor(count, fresh)).run();
    // Fitting two or three nodes would blow them up; cap the zoom so labels keep their size.
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
    scaleHubLabels(cy);
  }, [nodes, edges, seeds, anchor, lang]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.$(':selected').unselect();
    if (selected) cy.getElementById(selected.id).select();
  }, [selected]);

  return <div ref={box} className="graph-canvas" data-testid="graph-canvas" />;
}

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));
const HUB_LABEL_PX = 12;
const MAX_FIT_ZOOM = 1.25;

/** Hub labels keep the same size on screen at any zoom, so an overview of 500 nodes stays named. */
function scaleHubLabels(cy: Core) {
  const z = cy.zoom();
  cy.nodes('.hub')
    .style('font-size', Math.max(11, HUB_LABEL_PX / z))
    .style('text-max-width', `${Math.max(120, 160 / z)}px`);
}

/** Fit the whole graph into view (toolbar button). */
export function fitGraph() {
  window.__yzCy?.fit(undefined, 24);
}
