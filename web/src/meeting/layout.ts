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

/** Lays the tiles of container out, recomputing when its size changes. */
export class GridLayout {
  private readonly observer: ResizeObserver;
  private count = 0;

  constructor(private readonly container: HTMLElement) {
    this.observer = new ResizeObserver(() => this.apply());
    this.observer.observe(container);
  }

  setCount(n: number): void {
    if (n === this.count) return;
    this.count = n;
    this.apply();
  }

  private apply(): void {
    const stage = this.container.classList.contains('with-stage');
    if (stage) return;
    const tiles = this.container.querySelector<HTMLElement>('.tiles');
    if (!tiles) return;
    const { width, height } = tiles.getBoundingClientRect();
    const gap = 8;
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
