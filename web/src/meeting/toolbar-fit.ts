/**
 * Keeps the meeting toolbar on one row: when the controls' labels would wrap it onto a second row
 * (a moderator has more controls than others), the controls show icons only; their names stay in
 * tooltips and for screen readers. Returns a function that stops watching.
 */
export function fitToolbar(el: HTMLElement): () => void {
  const fit = (): void => {
    el.classList.remove('controls-compact');
    const first = el.firstElementChild as HTMLElement | null;
    const last = el.lastElementChild as HTMLElement | null;
    if (first && last && last.offsetTop > first.offsetTop + first.offsetHeight / 2) {
      el.classList.add('controls-compact');
    }
  };
  const observer = new ResizeObserver(fit);
  observer.observe(el);
  const children = new MutationObserver(fit);
  children.observe(el, { childList: true });
  return () => {
    observer.disconnect();
    children.disconnect();
  };
}
