import { describe, expect, test } from 'vitest';
import { TtvError } from '../spec/errors.js';
import { Budget, type BudgetLimits, type BudgetState } from './budget.js';

describe('wouldCross', () => {
  const rows: Array<[label: string, limits: BudgetLimits, state: BudgetState, reserved: number, usd: number, crosses: boolean]> = [
    ['no limit never crosses', {}, { spentUsd: 1e6 }, 0, 1e6, false],
    ['exactly at the limit does not cross', { maxUsd: 2 }, { spentUsd: 1 }, 0, 1, false],
    ['float noise at the limit does not cross', { maxUsd: 0.3 }, { spentUsd: 0.1 }, 0, 0.2, false],
    ['a cent over crosses', { maxUsd: 2 }, { spentUsd: 1 }, 0, 1.01, true],
    ['calls in flight count', { maxUsd: 2.5 }, { spentUsd: 0 }, 2, 1, true],
    ['a free call at the limit does not cross', { maxUsd: 2 }, { spentUsd: 2 }, 0, 0, false],
    ['a zero budget refuses any paid call', { maxUsd: 0 }, {}, 0, 0.01, true],
  ];
  test.each(rows)('%s', (_label, limits, state, reserved, usd, crosses) => {
    const b = new Budget(limits, state);
    if (reserved) b.reserve(reserved, 'held', false);
    expect(b.wouldCross(usd)).toBe(crosses);
  });
});

describe('reserve / release', () => {
  test('refuses with BUDGET_EXCEEDED naming the call, the spend and what is in flight', () => {
    const b = new Budget({ maxUsd: 2.5 }, { spentUsd: 1 });
    b.reserve(1, 'segment 0 on a/m');
    let error: unknown;
    try {
      b.reserve(1, 'segment 1 on a/m');
    } catch (e) {
      error = e;
    }
    expect(TtvError.is(error) && error.code).toBe('BUDGET_EXCEEDED');
    expect((error as TtvError).message).toBe('segment 1 on a/m would cost about $1.00; spent $1.00 (+$1.00 in flight) of budget.maxUsd $2.50');
    expect((error as TtvError).field).toBe('budget.maxUsd');
    expect(b.reservedUsd).toBe(1);
    b.release(1);
    expect(b.reservedUsd).toBe(0);
    b.reserve(1, 'segment 1 on a/m');
    expect(b.reservedUsd).toBe(1);
  });

  test('an unchecked reservation (a re-attached, already paid job) is held but never refused', () => {
    const b = new Budget({ maxUsd: 1 }, { spentUsd: 1 });
    b.reserve(5, 'resumed', false);
    expect(b.reservedUsd).toBe(5);
  });
});

describe('book and the warnUsd warning', () => {
  const rows: Array<[label: string, limits: BudgetLimits, state: BudgetState, bookings: number[], warnsAt: number | undefined, total: number]> = [
    ['no warnUsd: never warns', {}, {}, [1, 2], undefined, 3],
    ['warns when the total reaches warnUsd', { warnUsd: 1 }, {}, [0.5, 0.5, 1], 1, 2],
    ['warns only once', { warnUsd: 0.5 }, {}, [1, 1, 1], 0, 3],
    ['a folder already warned does not warn again', { warnUsd: 0.5 }, { warned: true }, [1], undefined, 1],
    ['earlier spend counts', { warnUsd: 2 }, { spentUsd: 1.5 }, [0.5], 0, 2],
    ['totals are rounded to micro-dollars', {}, {}, [0.1, 0.2], undefined, 0.3],
  ];
  test.each(rows)('%s', (_label, limits, state, bookings, warnsAt, total) => {
    const b = new Budget(limits, state);
    const warnings = bookings.map((usd) => b.book(usd).warning);
    expect(warnings.findIndex((w) => w !== undefined)).toBe(warnsAt ?? -1);
    expect(warnings.filter(Boolean)).toHaveLength(warnsAt === undefined ? 0 : 1);
    expect(b.spentUsd).toBe(total);
  });

  test('the warning text', () => {
    expect(new Budget({ warnUsd: 0.5 }).book(0.75)).toEqual({ totalUsd: 0.75, warning: 'budget.warnUsd: the run has cost $0.75 (warning threshold $0.50)' });
  });
});
