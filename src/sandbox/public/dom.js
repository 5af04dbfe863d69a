// The page builds every element with this: properties are set as DOM properties and strings become text nodes, so no
// text is ever parsed as HTML (the server's Content-Security-Policy also requires Trusted Types, which makes any
// innerHTML assignment throw).

/** el('button', { className: 'btn', onclick }, 'Approve…', otherNode) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

const drawn = new WeakMap();

/**
 * Fills a node again only when what it shows changed (`key`, e.g. the JSON of its data): a redraw that changes
 * nothing would still reset scrolling and could move a button from under the pointer mid-click.
 */
export function fillIfChanged(node, key, build) {
  if (drawn.get(node) === key) return false;
  drawn.set(node, key);
  fill(node, build());
  return true;
}
