/**
 * Injected faults, shared by both emulators: kept in the order they were added; the first live one that matches a
 * request handles it, and one with `times` is used up after that many requests.
 */
export class FaultList<F extends { times?: number }> {
  #faults: F[] = [];
  readonly #check: (fault: F) => F;

  /** `check` validates (and may normalise) a fault as it is added; it throws on a bad one. */
  constructor(check: (fault: F) => F = (f) => f) {
    this.#check = check;
  }

  add(fault: F): void {
    this.#faults.push({ ...this.#check(fault) });
  }

  clear(): void {
    this.#faults = [];
  }

  list(): F[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Finds the first live fault that `matches`, counts one use of it, and returns it. */
  take(matches: (fault: F) => boolean): F | undefined {
    const index = this.#faults.findIndex((f) => (f.times === undefined || f.times > 0) && matches(f));
    const fault = this.#faults[index];
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times === 0) this.#faults.splice(index, 1);
    }
    return fault;
  }
}
