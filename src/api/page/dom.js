/**
 * The page's small DOM and formatting helpers: one place, so a number reads the same everywhere (and the browser
 * test can compare it with the API's JSON to the digits shown).
 */

export const $ = (id) => document.getElementById(id);

export const fixed = (value, digits = 2) => (typeof value === 'number' ? value.toFixed(digits) : '–');
export const percent = (value) => (typeof value === 'number' ? `${(value * 100).toFixed(2)}%` : '–');
/** A difference between versions: tiny ones (floating-point noise) stay readable in exponent notation. */
export const exponent = (value) => (typeof value === 'number' ? value.toExponential(3) : '–');
/** A duration in milliseconds, as seconds. */
export const seconds = (ms) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : '–');

export function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** `parent.appendChild(child)`, returning the child (Element.append returns nothing). */
export function add(parent, child) {
  parent.append(child);
  return child;
}

/** A table row of cells, each a text or a node. */
export function row(cells, attributes = {}) {
  const tr = element('tr', undefined, attributes);
  for (const cell of cells) {
    const td = add(tr, element('td'));
    td.append(cell ?? '–');
  }
  return tr;
}
