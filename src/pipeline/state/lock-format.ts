/**
 * pipeline.lock's layout versions, and the one migration between them. Version 2 (this release)
 * starts with `version: 2` and records each instance's `item` (the config values it read, or its
 * matrix item); version 1 started with `schema: 1` and called the same value `params`, which
 * for a train instance read `params.params`. Nothing else differs: fingerprints, hashes and run
 * records are copied as they are, so an instance fresh under a version 1 lock is fresh after it.
 * A version 1 lock is read as version 2 and written as version 2 at the next run.
 */
export const LOCK_VERSION = 2;

/** The first line of a lock this release writes. */
export const LOCK_HEADER = `version: ${LOCK_VERSION}`;

/** A parsed lock document (any version) as version 2, or undefined when it is neither. */
export function migrateLock(raw: unknown): { version: 2; stages: unknown } | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const doc = raw as Record<string, unknown>;
  const keys = Object.keys(doc).filter((k) => k !== 'stages');
  if (doc.version === LOCK_VERSION && keys.length === 1) return { version: 2, stages: doc.stages };
  if (doc.schema === 1 && keys.length === 1) {
    const stages = doc.stages;
    if (stages === null || typeof stages !== 'object' || Array.isArray(stages)) return { version: 2, stages };
    return { version: 2, stages: Object.fromEntries(Object.entries(stages).map(([id, e]) => [id, migrateEntry(e)])) };
  }
  return undefined;
}

/** A version 1 entry as version 2: `params` is now `item`; anything else is left to the entry schema. */
export function migrateEntry(entry: unknown): unknown {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || !('params' in entry) || 'item' in entry) return entry;
  const { params, ...rest } = entry as Record<string, unknown>;
  return { ...rest, item: params };
}
