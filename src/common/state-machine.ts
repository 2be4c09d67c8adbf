/**
 * Status machines: which status may follow which, for each kind of record whose status the
 * service tracks (volumes, snapshots, backups, jobs, policy runs and tasks). The repositories
 * check every status change against its machine before they write it.
 */

/** An administrator's override (os-reset_status): the record takes the status whatever it had. */
export interface Reset<S extends string> {
  reset: S;
}

/** Where a status change goes: a status the machine allows next, or an administrator's reset. */
export type Target<S extends string> = S | Reset<S>;

/**
 * A status change its machine does not allow. The services refuse such requests with their own
 * errors before they write anything, so this is a defect of the code, never a user's mistake.
 */
export class IllegalTransition extends Error {
  constructor(
    readonly machine: string,
    readonly from: string,
    readonly to: string,
    readonly reset = false,
  ) {
    super(reset ? `a ${machine} cannot be reset to ${to} (from ${from})` : `a ${machine} cannot move from ${from} to ${to}`);
    this.name = 'IllegalTransition';
  }
}

export interface Machine<S extends string> {
  /** The kind of record, as errors name it: "volume", "backup" ... */
  readonly name: string;
  readonly statuses: readonly S[];
  /** Whether an administrator may reset a record of this kind from any status to any other. */
  readonly resettable: boolean;
  /** The statuses that may follow `from`; none for a final status. */
  next(from: S): readonly S[];
  canMove(from: S, to: S): boolean;
  /**
   * The statuses a compare-and-set may start from and the status it writes. Throws
   * IllegalTransition unless the machine allows the change from every one of `from`.
   */
  check(from: S | readonly S[], to: Target<S>): { from: S[]; to: S };
}

export function defineMachine<S extends string>(spec: {
  name: string;
  statuses: readonly S[];
  next: { readonly [K in S]: readonly S[] };
  resettable?: boolean;
}): Machine<S> {
  const { name, statuses, next } = spec;
  const resettable = spec.resettable ?? false;
  const known = (status: string): status is S => (statuses as readonly string[]).includes(status);
  const canMove = (from: S, to: S): boolean => known(from) && known(to) && next[from].includes(to);
  return {
    name,
    statuses,
    resettable,
    next: (from) => (known(from) ? next[from] : []),
    canMove,
    check(from, to) {
      const froms: S[] = typeof from === 'string' ? [from] : [...from];
      if (froms.length === 0) throw new Error(`a ${name} status change needs at least one status to move from`);
      if (typeof to === 'string') {
        for (const f of froms) if (!canMove(f, to)) throw new IllegalTransition(name, f, to);
        return { from: froms, to };
      }
      for (const f of froms) if (!resettable || !known(f) || !known(to.reset)) throw new IllegalTransition(name, f, to.reset, true);
      return { from: froms, to: to.reset };
    },
  };
}
