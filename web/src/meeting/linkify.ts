// Chat text to DOM nodes: text nodes only, and <a> elements for http and https addresses.
// Nothing is ever parsed as HTML, so any markup in a message shows as the characters typed.

const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends a sentence rather than the address.
const trailing = /[.,;:!?)\]}»”’]+$/;

/** Returns text as nodes: text nodes, with links for the http(s) addresses in it. */
export function linkify(text: string): Node[] {
  const nodes: Node[] = [];
  let last = 0;
  for (const match of text.matchAll(urlPattern)) {
    let raw = match[0];
    const cut = raw.match(trailing);
    // Keep a closing parenthesis that closes one opened inside the address.
    if (cut && !(cut[0].startsWith(')') && raw.includes('('))) raw = raw.slice(0, raw.length - cut[0].length);
    const start = match.index ?? 0;
    const href = safeHref(raw);
    if (!href) continue;
    if (start > last) nodes.push(document.createTextNode(text.slice(last, start)));
    const a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = raw;
    nodes.push(a);
    last = start + raw.length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

/** The address as a link target, if it is a valid http or https URL. */
function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
