/**
 * AepRequestBudget: one org's request budget (AEP_MAX_REQUESTS_PER_SECOND) shared among the
 * worker processes of a task queue, reached by update-with-start: each leases its share every few
 * seconds (src/rate.ts). The shares in use never sum to more than the budget:
 * - a member holds the higher of its grant and the share it said it used when it asked, until its
 *   lease ends (counted by the process from before it asked, so it has stopped using it by then);
 * - a grant is at most the budget less what the others hold, and at most budget / live leases.
 * A newcomer gets its fair share once each other member renewed twice. The run ends with no lease.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RateBudgetState, RateLease, RateLeaseInput } from '../shared/model';
import { leaseRateUpdate, rateBudgetQuery } from '../shared/names';
import { autoUpgrade } from './policies';

/** How often the run wakes without a lease call: to end once every lease has. */
const IDLE_CHECK_MS = 15_000;

export async function AepRequestBudget(initial: RateBudgetState): Promise<void> {
  const state: RateBudgetState = { members: { ...initial.members } };
  setHandler(leaseRateUpdate, (input) => lease(state, input, Date.now()), {
    validator: ({ budget, using, ttlMs, member }: RateLeaseInput) => {
      const ok = [budget, using, ttlMs].every((n) => Number.isFinite(n) && n >= 0);
      if (!ok || budget <= 0 || !member) throw new Error('invalid lease');
    },
  });
  setHandler(rateBudgetQuery, () => state);
  for (;;) {
    const renew = await condition(() => workflowInfo().continueAsNewSuggested, IDLE_CHECK_MS);
    await condition(allHandlersFinished);
    if (renew) return continueAsNew<typeof AepRequestBudget>(state);
    expire(state, Date.now());
    if (Object.keys(state.members).length === 0) return;
  }
}

autoUpgrade(AepRequestBudget);

/** Grants (or takes back, `ttlMs` 0) `input.member`'s share at workflow time `now`. */
export function lease(state: RateBudgetState, input: RateLeaseInput, now: number): RateLease {
  expire(state, now);
  const others = Object.entries(state.members)
    .filter(([member]) => member !== input.member)
    .map(([, held]) => held);
  const budget = Math.min(input.budget, ...others.map((o) => o.budget));
  if (input.ttlMs === 0) {
    delete state.members[input.member];
    return { share: 0, members: others.length, budget };
  }
  const members = others.length + 1;
  const fair = budget / members;
  const room = budget - others.reduce((sum, o) => sum + o.held, 0);
  const free = Math.max(0, Math.min(fair, room));
  // Whole requests per second keep every 1 s window at the share (pacer.ts); below one per
  // member, fractions (each then sends at most one request in any second).
  const share = fair >= 1 ? Math.floor(free + 1e-9) : free;
  state.members[input.member] = {
    held: Math.max(input.using, share),
    budget: input.budget,
    until: now + input.ttlMs,
  };
  return { share, members, budget };
}

function expire(state: RateBudgetState, now: number): void {
  for (const [member, held] of Object.entries(state.members)) {
    if (held.until <= now) delete state.members[member];
  }
}
