/** Project-relative paths as pipeline.yaml writes them (posix, no trailing slash). */

/** Whether `child` is `parent` or lies below it; "." (the project root) holds everything. */
export function isInside(child: string, parent: string): boolean {
  return child === parent || parent === '.' || child.startsWith(`${parent}/`);
}
