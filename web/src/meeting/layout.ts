// Tile layout: a grid whose column count fits the space, or a stage plus a strip.

/** Picks the column count that makes 16:9 tiles as large as possible in width x height. */
export function bestColumns(n: number, width: number, height: number, gap = 8): number {
  if (n <= 1 || width <= 0 || height <= 0) return 1;
  let best = 1;
  let bestArea = 0;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const w = (width - gap * (cols - 1)) / cols;
    const hgt = (height - gap * (rows - 1)) / rows;
    const tileW = Math.min(w, (hgt * 16) / 9);
    const area = tileW * ((tileW * 9) / 16);
    if (area > bestArea) {
      bestArea = area;
      best = cols;
    }
  }
  return best;
}

/** Width of the tiles when n 16:9 tiles are laid out in width x height at the best column count. */
function tileWidth(n: number, width: number, height: number, gap: number): number {
  const cols = bestColumns(n, width, height, gap);
  const rows = Math.ceil(n / cols);
  return Math.min((width - gap * (cols - 1)) / cols, (((height - gap * (rows - 1)) / rows) * 16) / 9);
}

/** Narrowest a tile of the strip under a shared screen gets, before a second page. */
export const minStripTileWidth = 150;

/** Page sizes tried, so that pages fill a regular grid. */
const pageSizes = [2, 4, 6, 9, 16, 25, 36, 49];

/**
 * How many tiles one page of the grid shows in width x height (CSS pixels): as many as keep
 * each tile readable, e.g. 4 on a phone, 9 on a laptop, 16 or more on a large screen. strip: the
 * tiles are one row of height `height` under a shared screen.
 */
export function pageSize(width: number, height: number, strip = false, gap = 8): number {
  if (width <= 0 || height <= 0) return pageSizes[0] ?? 2;
  if (strip) return Math.max(2, Math.floor((width + gap) / (Math.min(minStripTileWidth, (height * 16) / 9) + gap)));
  const narrow = width < 600;
  const minWidth = narrow ? 140 : 280;
  const max = narrow ? 4 : Infinity;
  let best = pageSizes[0] ?? 2;
  for (const n of pageSizes) {
    if (n > max) break;
    if (tileWidth(n, width, height, gap) >= minWidth) best = n;
  }
  return best;
}

/** Lays the tiles of container out, recomputing when its size changes. */
export class GridLayout {
  private readonly observer: ResizeObserver;
  private count = 0;
  private capacity = 0;

  /** onCapacity is called when the number of tiles that fit on a page changes. */
  constructor(
    private readonly container: HTMLElement,
    private readonly onCapacity: () => void = () => undefined,
  ) {
    this.observer = new ResizeObserver(() => this.apply());
    this.observer.observe(container);
  }

  /** Tiles that fit on one page at the current size. */
  pageSize(): number {
    const tiles = this.container.querySelector<HTMLElement>('.tiles');
    if (!tiles) return pageSizes[0] ?? 2;
    const { width, height } = tiles.getBoundingClientRect();
    return pageSize(width, height, this.container.classList.contains('with-stage'));
  }

  setCount(n: number): void {
    if (n === this.count) return;
    this.count = n;
    this.apply();
  }

  private apply(): void {
    const capacity = this.pageSize();
    if (capacity !== this.capacity) {
      this.capacity = capacity;
      this.onCapacity();
    }
    const stage = this.container.classList.contains('with-stage');
    const tiles = this.container.querySelector<HTMLElement>('.tiles');
    if (!tiles) return;
    const { width, height } = tiles.getBoundingClientRect();
    const gap = 8;
    if (stage) {
      // One row: full height while the tiles fit, narrower (down to minStripTileWidth) when not.
      const n = Math.max(1, this.count);
      const w = Math.min((height * 16) / 9, (width - gap * (n - 1)) / n);
      tiles.style.setProperty('--strip-w', `${Math.floor(Math.max(minStripTileWidth, w))}px`);
      return;
    }
    const cols = bestColumns(this.count, width, height, gap);
    const rows = Math.max(1, Math.ceil(this.count / cols));
    const tileW = Math.max(80, Math.min((width - gap * (cols - 1)) / cols, (((height - gap * (rows - 1)) / rows) * 16) / 9));
    tiles.style.setProperty('--cols', String(cols));
    tiles.style.setProperty('--tile-w', `${Math.floor(tileW)}px`);
    tiles.style.setProperty('--tile-h', `${Math.floor((tileW * 9) / 16)}px`);
  }

  refresh(): void {
    this.apply();
  }

  close(): void {
    this.observer.disconnect();
  }
}
