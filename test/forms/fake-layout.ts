/**
 * A stand-in for layout in happy-dom, which lays nothing out (every box is 0×0) and computes
 * `visibility` as "" where browsers say "visible". Each element gets a box: its size from its
 * inline width/height (default 200×30), its position from the inline left/top of it and its
 * ancestors, and an empty box under `display: none`. Real layout is covered by the Playwright
 * suite (e2e/forms.spec.ts).
 */
import { afterAll, beforeAll } from 'vitest';

const realBox = HTMLElement.prototype.getBoundingClientRect;
const realStyle = globalThis.getComputedStyle;

function fakeBox(this: HTMLElement): DOMRect {
  return boxOf(this);
}

function boxOf(element: HTMLElement): DOMRect {
  let left = 10;
  let top = 10;
  for (let node: HTMLElement | null = element; node; node = node.parentElement) {
    if (realStyle(node).display == 'none') return new DOMRect(0, 0, 0, 0);
    left += parseFloat(node.style.left) || 0;
    top += parseFloat(node.style.top) || 0;
  }
  const size = (value: string, fallback: number) => (value ? parseFloat(value) : fallback);
  return new DOMRect(left, top, size(element.style.width, 200), size(element.style.height, 30));
}

function fakeStyle(element: Element): CSSStyleDeclaration {
  return new Proxy(realStyle(element), {
    get: (style, key) => (key == 'visibility' ? style.visibility || 'visible' : Reflect.get(style, key)),
  });
}

/** Installs the stand-in for the tests of the calling file. */
export function useFakeLayout(): void {
  beforeAll(() => {
    HTMLElement.prototype.getBoundingClientRect = fakeBox;
    globalThis.getComputedStyle = fakeStyle;
  });
  afterAll(() => {
    HTMLElement.prototype.getBoundingClientRect = realBox;
    globalThis.getComputedStyle = realStyle;
  });
}
