// A small stand-in for the DOM, enough for the site adapters' lookups: elements parsed
// from well-formed HTML snippets, with querySelector(All), closest, matches, contains and
// textContent. Selectors: tag, #id, .class, [attr], [attr=v], ^= $= *= (with " i"),
// :not(simple), the descendant combinator and comma lists. Rendering is not modelled:
// checkVisibility says false only under a `style="display:none"`.

const VOID = new Set(["br", "hr", "img", "input", "meta", "link"]);

class Element {
  constructor(tag, attributes, parent) {
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.attributes = attributes;
    this.parentElement = parent;
    this.childNodes = [];
  }
  get children() {
    return this.childNodes.filter((node) => node.nodeType === 1);
  }
  get id() {
    return this.attributes.id ?? "";
  }
  get textContent() {
    return this.childNodes.map((node) => node.textContent).join("");
  }
  set textContent(text) {
    this.childNodes = [{ nodeType: 3, textContent: text, parentElement: this }];
  }
  getAttribute(name) {
    return name in this.attributes ? this.attributes[name] : null;
  }
  hasAttribute(name) {
    return name in this.attributes;
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  contains(other) {
    for (let node = other; node; node = node.parentElement) if (node === this) return true;
    return false;
  }
  *descendants() {
    for (const child of this.children) {
      yield child;
      yield* child.descendants();
    }
  }
  querySelectorAll(selector) {
    return [...this.descendants()].filter((element) => element.matches(selector));
  }
  querySelector(selector) {
    return this.querySelectorAll(selector)[0] ?? null;
  }
  matches(selector) {
    return splitList(selector).some((complex) => matchComplex(this, complex.trim().split(/\s+(?![^[(]*[\])])/)));
  }
  closest(selector) {
    for (let node = this; node; node = node.parentElement) if (node.matches(selector)) return node;
    return null;
  }
  checkVisibility() {
    for (let node = this; node; node = node.parentElement) {
      if (/display:\s*none/.test(node.getAttribute("style") ?? "")) return false;
    }
    return true;
  }
  /** Replace this element with a new one parsed from `html` (a re-render). */
  replaceWith(element) {
    const siblings = this.parentElement.childNodes;
    siblings[siblings.indexOf(this)] = element;
    element.parentElement = this.parentElement;
  }
}

/** Split "A, B" at top-level commas. */
function splitList(selector) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i += 1) {
    const c = selector[i];
    if (c === "(" || c === "[") depth += 1;
    else if (c === ")" || c === "]") depth -= 1;
    else if (c === "," && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts;
}

function matchComplex(element, compounds) {
  if (!matchCompound(element, compounds[compounds.length - 1])) return false;
  if (compounds.length === 1) return true;
  const rest = compounds.slice(0, -1);
  for (let up = element.parentElement; up; up = up.parentElement) if (matchComplex(up, rest)) return true;
  return false;
}

const PART = /^(?:([a-z][\w-]*|\*)|#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:([\^$*]?=)"([^"]*)"(\s+i)?)?\]|:not\(([^)]*)\))/i;

function matchCompound(element, compound) {
  let rest = compound;
  while (rest) {
    const m = PART.exec(rest);
    if (!m) throw new Error(`fake-dom cannot read selector part: ${rest}`);
    rest = rest.slice(m[0].length);
    const [, tag, id, cls, attr, op, value, insensitive, not] = m;
    if (tag && tag !== "*" && element.tagName !== tag.toUpperCase()) return false;
    if (id && element.id !== id) return false;
    if (cls && !(element.getAttribute("class") ?? "").split(/\s+/).includes(cls)) return false;
    if (attr) {
      const have = element.getAttribute(attr);
      if (have === null) return false;
      if (op) {
        const [a, b] = insensitive ? [have.toLowerCase(), value.toLowerCase()] : [have, value];
        const ok = { "=": a === b, "^=": a.startsWith(b), "$=": a.endsWith(b), "*=": a.includes(b) }[op];
        if (!ok) return false;
      }
    }
    if (not !== undefined && element.matches(not)) return false;
  }
  return true;
}

/** A document parsed from a well-formed HTML snippet. */
export function parse(html) {
  const root = new Element("html", {}, null);
  let current = root;
  const token = /<\/([\w-]+)\s*>|<([\w-]+)((?:\s+[\w-]+(?:="[^"]*")?)*)\s*\/?>|([^<]+)/g;
  for (const [, close, open, attrs, text] of html.matchAll(token)) {
    if (close) {
      current = current.parentElement;
    } else if (open) {
      const attributes = {};
      for (const [, name, value] of (attrs ?? "").matchAll(/([\w-]+)(?:="([^"]*)")?/g)) attributes[name] = value ?? "";
      const element = new Element(open, attributes, current);
      current.childNodes.push(element);
      if (!VOID.has(open.toLowerCase())) current = element;
    } else if (text.trim()) {
      current.childNodes.push({ nodeType: 3, textContent: text.trim(), parentElement: current });
    }
  }
  const doc = {
    documentElement: root,
    querySelectorAll: (selector) => root.querySelectorAll(selector),
    querySelector: (selector) => root.querySelector(selector),
  };
  return doc;
}

/** One element parsed from `html` (for a re-render). */
export function element(html) {
  return parse(html).documentElement.children[0];
}
