import type { BinnedData } from './features.js';
import { sigmoid } from './metrics.js';
import { createRandom } from './random.js';

/**
 * Gradient-boosted trees for binary log loss on histogram-binned columns, in the manner of LightGBM and
 * scikit-learn's HistGradientBoosting: per-node gradient/hessian histograms (the larger child by subtraction),
 * leaf-wise growth up to `maxLeafNodes`, missing values in bin 0 sent to the better side, and categorical
 * columns split natively by sorting their categories on gradient/hessian and scanning the ordered prefixes.
 */
export interface GbtOptions {
  learningRate: number;
  maxIterations: number;
  maxLeafNodes: number;
  /** 0 = no depth limit (leaf count bounds the tree). */
  maxDepth: number;
  minSamplesLeaf: number;
  /** L2 penalty on leaf values. */
  l2: number;
  /** Extra L2 for categorical splits and the smoothing used to order categories (LightGBM's cat_l2 / cat_smooth). */
  categoricalL2: number;
  categoricalSmooth: number;
  minGain: number;
  /** Share of columns each tree may split on (1 = all), drawn by seed. */
  featureFraction: number;
  /** Stop when the validation loss has not improved for this many rounds (0 = never). */
  patience: number;
  seed: number;
}

export const DEFAULT_GBT_OPTIONS: GbtOptions = {
  learningRate: 0.05,
  maxIterations: 600,
  maxLeafNodes: 15,
  maxDepth: 0,
  minSamplesLeaf: 20,
  l2: 1,
  categoricalL2: 10,
  categoricalSmooth: 10,
  minGain: 0,
  featureFraction: 1,
  patience: 40,
  seed: 1,
};

/** A tree in flat arrays; `feature` is -1 at a leaf. `value` is each node's shrunk Newton value. */
export interface Tree {
  feature: number[];
  left: number[];
  right: number[];
  value: number[];
  /** Per split node, the bins that go left (a numeric split is a threshold, but a bin mask serves both). */
  leftBins: number[][];
}

export interface GbtModel {
  init: number;
  trees: Tree[];
  nBins: number[];
  categorical: boolean[];
  /** Rounds kept (the best validation round when early stopping ran). */
  iterations: number;
}

/** Trees with their bin masks expanded for scoring. */
export interface CompiledTree {
  feature: Int32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  masks: Array<Uint8Array | null>;
}

export function compileTree(tree: Tree, nBins: readonly number[]): CompiledTree {
  return {
    feature: Int32Array.from(tree.feature),
    left: Int32Array.from(tree.left),
    right: Int32Array.from(tree.right),
    value: Float64Array.from(tree.value),
    masks: tree.feature.map((feature, node) => {
      if (feature < 0) return null;
      const mask = new Uint8Array(nBins[feature]!);
      for (const bin of tree.leftBins[node]!) mask[bin] = 1;
      return mask;
    }),
  };
}

function leafOf(tree: CompiledTree, bins: readonly Uint8Array[], row: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = tree.masks[node]![bins[tree.feature[node]!]![row]!] === 1 ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

export function treeValue(tree: CompiledTree, bins: readonly Uint8Array[], row: number): number {
  return tree.value[leafOf(tree, bins, row)]!;
}

/**
 * Every tree packed for scoring: four int32 per node (column, left, right, rule) so a step touches one cache
 * line. Rule >= 0: offset of a categorical split's bin mask in `masks`; rule < 0: a numeric split, encoded as
 * -(2 x threshold bin + missingLeft) - 1 (bins 1..threshold go left). Leaves have column -1; `value` per node.
 */
export interface CompiledForest {
  roots: Int32Array;
  nodes: Int32Array;
  value: Float64Array;
  masks: Uint8Array;
}

export function compileForest(
  trees: readonly Tree[],
  nBins: readonly number[],
  categorical: readonly boolean[],
): CompiledForest {
  const count = trees.reduce((sum, tree) => sum + tree.feature.length, 0);
  const nodes = new Int32Array(count * 4);
  const value = new Float64Array(count);
  const roots = new Int32Array(trees.length);
  const bytes: number[] = [];
  let base = 0;
  trees.forEach((tree, index) => {
    roots[index] = base;
    tree.feature.forEach((feature, node) => {
      const at = base + node;
      value[at] = tree.value[node]!;
      nodes[at * 4] = feature;
      if (feature < 0) return;
      nodes[at * 4 + 1] = base + tree.left[node]!;
      nodes[at * 4 + 2] = base + tree.right[node]!;
      const leftBins = tree.leftBins[node]!;
      if (categorical[feature]) {
        nodes[at * 4 + 3] = bytes.length;
        const mask = new Array<number>(nBins[feature]!).fill(0);
        for (const bin of leftBins) mask[bin] = 1;
        bytes.push(...mask);
      } else {
        const threshold = leftBins.reduce((most, bin) => Math.max(most, bin), 0);
        nodes[at * 4 + 3] = -(2 * threshold + (leftBins.includes(0) ? 1 : 0)) - 1;
      }
    });
    base += tree.feature.length;
  });
  return { roots, nodes, value, masks: Uint8Array.from(bytes) };
}

/**
 * Adds the forest's sum to `out` for a batch of rows (row-major codes, `width` per row). Trees in the outer
 * loop keep one tree's nodes in cache while the rows' walks, independent of each other, overlap in the CPU.
 */
export function forestSums(
  forest: CompiledForest,
  codes: Uint8Array,
  width: number,
  out: Float64Array,
): void {
  const { roots, nodes, value, masks } = forest;
  const rows = out.length;
  for (let tree = 0; tree < roots.length; tree++) {
    const root = roots[tree]!;
    for (let row = 0, base = 0; row < rows; row++, base += width) {
      let node = root;
      let at = node * 4;
      let column = nodes[at]!;
      while (column >= 0) {
        const code = codes[base + column]!;
        const rule = nodes[at + 3]!;
        let left: boolean;
        if (rule >= 0) left = masks[rule + code] === 1;
        else {
          const numeric = -rule - 1;
          left = code === 0 ? (numeric & 1) === 1 : code <= numeric >> 1;
        }
        node = left ? nodes[at + 1]! : nodes[at + 2]!;
        at = node * 4;
        column = nodes[at]!;
      }
      out[row]! += value[node]!;
    }
  }
}

/** Raw logits: init plus the sum of leaf values. */
export function gbtLogits(trees: readonly CompiledTree[], init: number, data: BinnedData): Float64Array {
  const out = new Float64Array(data.n).fill(init);
  for (const tree of trees) {
    for (let row = 0; row < data.n; row++) out[row]! += treeValue(tree, data.bins, row);
  }
  return out;
}

/**
 * Saabas contributions: walking each tree's path, the change in node value at a split is credited to the
 * split's column. Per column, summed over trees; with `init` plus the root values they add up to the logit.
 */
export function gbtContributions(
  trees: readonly CompiledTree[],
  bins: readonly Uint8Array[],
  row: number,
  columns: number,
): { bias: number; contributions: Float64Array } {
  const contributions = new Float64Array(columns);
  let bias = 0;
  for (const tree of trees) {
    let node = 0;
    bias += tree.value[0]!;
    while (tree.feature[node]! >= 0) {
      const feature = tree.feature[node]!;
      const next = tree.masks[node]![bins[feature]![row]!] === 1 ? tree.left[node]! : tree.right[node]!;
      contributions[feature]! += tree.value[next]! - tree.value[node]!;
      node = next;
    }
  }
  return { bias, contributions };
}

interface Split {
  feature: number;
  gain: number;
  mask: Uint8Array;
  /** Gradient and hessian sums of the rows going left, read off the histogram. */
  gl: number;
  hl: number;
}

interface OpenLeaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array;
  split: Split | null;
}

class TreeGrower {
  private readonly offsets: number[];
  private readonly totalBins: number;
  private readonly scratch: Int32Array;
  private readonly rowBins: Uint8Array;
  private readonly offsetArray: Int32Array;

  constructor(
    private readonly data: BinnedData,
    private readonly options: GbtOptions,
  ) {
    this.offsets = [];
    let total = 0;
    for (const count of data.nBins) {
      this.offsets.push(total);
      total += count;
    }
    this.totalBins = total;
    this.scratch = new Int32Array(data.n);
    this.offsetArray = Int32Array.from(this.offsets);
    const width = data.nBins.length;
    this.rowBins = new Uint8Array(data.n * width);
    data.bins.forEach((column, feature) => {
      for (let row = 0; row < data.n; row++) this.rowBins[row * width + feature] = column[row]!;
    });
  }

  /**
   * Gradient, hessian and count per bin of every allowed column, row by row: a row's codes sit together in
   * `rowBins`, so each row is one sequential read and the histograms stay in cache.
   */
  private histogram(
    indices: Int32Array,
    start: number,
    end: number,
    g: Float64Array,
    h: Float64Array,
    allowed: Uint8Array,
  ): Float64Array {
    const hist = new Float64Array(this.totalBins * 3);
    const width = this.data.nBins.length;
    const rowBins = this.rowBins;
    const offsets = this.offsetArray;
    const every = allowed.every((flag) => flag === 1);
    for (let k = start; k < end; k++) {
      const row = indices[k]!;
      const gv = g[row]!;
      const hv = h[row]!;
      const base = row * width;
      for (let feature = 0; feature < width; feature++) {
        if (!every && allowed[feature] === 0) continue;
        const at = (offsets[feature]! + rowBins[base + feature]!) * 3;
        hist[at]! += gv;
        hist[at + 1]! += hv;
        hist[at + 2]!++;
      }
    }
    return hist;
  }

  private bestSplit(leaf: OpenLeaf, allowed: Uint8Array): Split | null {
    const { l2, minSamplesLeaf, categoricalL2, categoricalSmooth, minGain } = this.options;
    const count = leaf.end - leaf.start;
    if (count < 2 * minSamplesLeaf) return null;
    if (this.options.maxDepth > 0 && leaf.depth >= this.options.maxDepth) return null;
    const G = leaf.g;
    const H = leaf.h;
    const parentScore = (G * G) / (H + l2);
    let best: Split | null = null;
    const minHessian = 1e-3;
    for (let feature = 0; feature < this.data.nBins.length; feature++) {
      if (allowed[feature] === 0) continue;
      const nb = this.data.nBins[feature]!;
      const base = this.offsets[feature]! * 3;
      const hist = leaf.hist;
      if (this.data.categorical[feature]) {
        const present: number[] = [];
        for (let bin = 0; bin < nb; bin++) if (hist[base + bin * 3 + 2]! > 0) present.push(bin);
        if (present.length < 2) continue;
        const ratio = (bin: number) =>
          hist[base + bin * 3]! / (hist[base + bin * 3 + 1]! + categoricalSmooth);
        present.sort((a, b) => ratio(a) - ratio(b) || a - b);
        const lambda = l2 + categoricalL2;
        let gl = 0;
        let hl = 0;
        let cl = 0;
        let bestPrefix = -1;
        let bestGain = minGain;
        let bestGl = 0;
        let bestHl = 0;
        for (let k = 0; k < present.length - 1; k++) {
          const bin = present[k]!;
          gl += hist[base + bin * 3]!;
          hl += hist[base + bin * 3 + 1]!;
          cl += hist[base + bin * 3 + 2]!;
          const cr = count - cl;
          if (cl < minSamplesLeaf || cr < minSamplesLeaf) continue;
          const hr = H - hl;
          if (hl < minHessian || hr < minHessian) continue;
          const gr = G - gl;
          const gain = 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore);
          if (gain > bestGain) {
            bestGain = gain;
            bestPrefix = k;
            bestGl = gl;
            bestHl = hl;
          }
        }
        if (bestPrefix >= 0 && (best === null || bestGain > best.gain)) {
          const mask = new Uint8Array(nb);
          let leftCount = 0;
          for (let k = 0; k <= bestPrefix; k++) {
            mask[present[k]!] = 1;
            leftCount += hist[base + present[k]! * 3 + 2]!;
          }
          // Categories this node never saw (unseen in training, or elsewhere in the tree) follow the majority.
          if (leftCount * 2 >= count) {
            for (let bin = 0; bin < nb; bin++) if (hist[base + bin * 3 + 2] === 0) mask[bin] = 1;
          }
          best = { feature, gain: bestGain, mask, gl: bestGl, hl: bestHl };
        }
        continue;
      }
      const gm = hist[base]!;
      const hm = hist[base + 1]!;
      const cm = hist[base + 2]!;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      let bestThreshold = -1;
      let bestMissingLeft = false;
      let bestGain = minGain;
      let bestGl = 0;
      let bestHl = 0;
      for (let bin = 1; bin < nb - 1; bin++) {
        gl += hist[base + bin * 3]!;
        hl += hist[base + bin * 3 + 1]!;
        cl += hist[base + bin * 3 + 2]!;
        if (hist[base + bin * 3 + 2] === 0) continue;
        for (let missingLeft = 0; missingLeft < (cm > 0 ? 2 : 1); missingLeft++) {
          const gL = gl + (missingLeft ? gm : 0);
          const hL = hl + (missingLeft ? hm : 0);
          const cL = cl + (missingLeft ? cm : 0);
          const cR = count - cL;
          if (cL < minSamplesLeaf || cR < minSamplesLeaf) continue;
          const hR = H - hL;
          if (hL < minHessian || hR < minHessian) continue;
          const gR = G - gL;
          const gain = 0.5 * ((gL * gL) / (hL + l2) + (gR * gR) / (hR + l2) - parentScore);
          if (gain > bestGain) {
            bestGain = gain;
            bestThreshold = bin;
            bestMissingLeft = missingLeft === 1 || (cm === 0 && cL * 2 >= count);
            bestGl = gL;
            bestHl = hL;
          }
        }
      }
      if (bestThreshold >= 0 && (best === null || bestGain > best.gain)) {
        const mask = new Uint8Array(nb);
        for (let bin = 1; bin <= bestThreshold; bin++) mask[bin] = 1;
        mask[0] = bestMissingLeft ? 1 : 0;
        best = { feature, gain: bestGain, mask, gl: bestGl, hl: bestHl };
      }
    }
    return best;
  }

  /** Grows one tree over `indices` (reordered in place); returns it and each row's leaf value via `apply`. */
  grow(
    indices: Int32Array,
    g: Float64Array,
    h: Float64Array,
    random: () => number,
  ): { tree: Tree; leaves: Array<{ start: number; end: number; value: number }> } {
    const { l2, learningRate, maxLeafNodes } = this.options;
    const features = this.data.nBins.length;
    const allowed = new Uint8Array(features).fill(1);
    if (this.options.featureFraction < 1) {
      const keep = Math.max(1, Math.round(this.options.featureFraction * features));
      allowed.fill(0);
      const order = Array.from({ length: features }, (_, index) => index);
      for (let k = 0; k < keep; k++) {
        const pick = k + Math.floor(random() * (features - k));
        [order[k], order[pick]] = [order[pick]!, order[k]!];
        allowed[order[k]!] = 1;
      }
    }
    const tree: Tree = { feature: [], left: [], right: [], value: [], leftBins: [] };
    const addNode = (gSum: number, hSum: number) => {
      tree.feature.push(-1);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push((-gSum / (hSum + l2)) * learningRate);
      tree.leftBins.push([]);
      return tree.feature.length - 1;
    };
    let gRoot = 0;
    let hRoot = 0;
    for (let k = 0; k < indices.length; k++) {
      gRoot += g[indices[k]!]!;
      hRoot += h[indices[k]!]!;
    }
    const root: OpenLeaf = {
      node: addNode(gRoot, hRoot),
      start: 0,
      end: indices.length,
      depth: 0,
      g: gRoot,
      h: hRoot,
      hist: this.histogram(indices, 0, indices.length, g, h, allowed),
      split: null,
    };
    root.split = this.bestSplit(root, allowed);
    const open: OpenLeaf[] = [root];
    const done: OpenLeaf[] = [];
    let leafCount = 1;
    while (leafCount < maxLeafNodes) {
      let pick = -1;
      for (let k = 0; k < open.length; k++) {
        const split = open[k]!.split;
        if (split !== null && (pick < 0 || split.gain > open[pick]!.split!.gain)) pick = k;
      }
      if (pick < 0) break;
      const leaf = open.splice(pick, 1)[0]!;
      const split = leaf.split!;
      // Stable partition of the leaf's rows.
      const column = this.data.bins[split.feature]!;
      let write = leaf.start;
      let spill = 0;
      const { gl, hl, mask } = split;
      const scratch = this.scratch;
      for (let k = leaf.start; k < leaf.end; k++) {
        const row = indices[k]!;
        if (mask[column[row]!] === 1) indices[write++] = row;
        else scratch[spill++] = row;
      }
      const middle = write;
      indices.set(scratch.subarray(0, spill), middle);
      const leftSmaller = middle - leaf.start <= leaf.end - middle;
      const smallHist = leftSmaller
        ? this.histogram(indices, leaf.start, middle, g, h, allowed)
        : this.histogram(indices, middle, leaf.end, g, h, allowed);
      const bigHist = leaf.hist;
      for (let k = 0; k < bigHist.length; k++) bigHist[k]! -= smallHist[k]!;
      const leftNode = addNode(gl, hl);
      const rightNode = addNode(leaf.g - gl, leaf.h - hl);
      tree.feature[leaf.node] = split.feature;
      tree.left[leaf.node] = leftNode;
      tree.right[leaf.node] = rightNode;
      tree.leftBins[leaf.node] = [...split.mask.keys()].filter((bin) => split.mask[bin] === 1);
      const children: OpenLeaf[] = [
        {
          node: leftNode,
          start: leaf.start,
          end: middle,
          depth: leaf.depth + 1,
          g: gl,
          h: hl,
          hist: leftSmaller ? smallHist : bigHist,
          split: null,
        },
        {
          node: rightNode,
          start: middle,
          end: leaf.end,
          depth: leaf.depth + 1,
          g: leaf.g - gl,
          h: leaf.h - hl,
          hist: leftSmaller ? bigHist : smallHist,
          split: null,
        },
      ];
      leafCount++;
      for (const child of children) {
        child.split = leafCount < maxLeafNodes ? this.bestSplit(child, allowed) : null;
        open.push(child);
      }
    }
    done.push(...open);
    return {
      tree,
      leaves: done.map((leaf) => ({ start: leaf.start, end: leaf.end, value: tree.value[leaf.node]! })),
    };
  }
}

function meanLogLoss(raw: Float64Array, y: ArrayLike<number>): number {
  let total = 0;
  for (let row = 0; row < raw.length; row++) {
    const z = raw[row]!;
    total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[row] === 1 ? z : 0);
  }
  return total / raw.length;
}

/**
 * Boosts trees on `data`. With `validation`, stops when its log loss has not improved for `patience` rounds
 * and keeps the best round's trees. Deterministic for a given seed.
 */
export function trainGbt(
  data: BinnedData,
  y: ArrayLike<number>,
  options: Partial<GbtOptions> = {},
  validation?: { data: BinnedData; y: ArrayLike<number> },
): GbtModel {
  const settings = { ...DEFAULT_GBT_OPTIONS, ...options };
  const random = createRandom(settings.seed);
  let positives = 0;
  for (let row = 0; row < data.n; row++) positives += y[row] === 1 ? 1 : 0;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / Math.max(1, data.n)));
  const init = Math.log(rate / (1 - rate));
  const raw = new Float64Array(data.n).fill(init);
  const g = new Float64Array(data.n);
  const h = new Float64Array(data.n);
  const indices = new Int32Array(data.n);
  const grower = new TreeGrower(data, settings);
  const trees: Tree[] = [];
  const validationRaw = validation ? new Float64Array(validation.data.n).fill(init) : null;
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestRounds = 0;
  for (let round = 0; round < settings.maxIterations; round++) {
    for (let row = 0; row < data.n; row++) {
      const p = sigmoid(raw[row]!);
      g[row] = p - (y[row] === 1 ? 1 : 0);
      h[row] = Math.max(p * (1 - p), 1e-16);
      indices[row] = row;
    }
    const { tree, leaves } = grower.grow(indices, g, h, random);
    trees.push(tree);
    for (const leaf of leaves) {
      for (let k = leaf.start; k < leaf.end; k++) raw[indices[k]!]! += leaf.value;
    }
    if (validation && validationRaw) {
      const compiled = compileTree(tree, data.nBins);
      for (let row = 0; row < validation.data.n; row++) {
        validationRaw[row]! += treeValue(compiled, validation.data.bins, row);
      }
      const loss = meanLogLoss(validationRaw, validation.y);
      if (loss < bestLoss - 1e-9) {
        bestLoss = loss;
        bestRounds = round + 1;
      } else if (settings.patience > 0 && round + 1 - bestRounds >= settings.patience) {
        break;
      }
    } else {
      bestRounds = round + 1;
    }
    if (tree.feature[0] === -1) break;
  }
  const kept = trees.slice(0, Math.max(1, bestRounds));
  return {
    init,
    trees: kept,
    nBins: [...data.nBins],
    categorical: [...data.categorical],
    iterations: kept.length,
  };
}
