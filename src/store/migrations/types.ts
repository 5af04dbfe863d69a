/** One step of a dialect's schema: applied once, in order, and recorded in `schema_migrations`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The one line a database newer than the code refuses to start with. */
export function newerThanCode(found: number, known: number): Error {
  return new Error(
    `DATABASE_URL: the database's schema is at version ${found}, newer than this release knows (${known}): run the release that migrated it, or a later one`,
  );
}

/** Checks a list is 1, 2, 3…: a gap or a duplicate would skip or repeat a step on some databases. */
export function checkOrder(list: readonly Migration[]): readonly Migration[] {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} is numbered ${m.version}, expected ${i + 1}`);
  });
  return list;
}
