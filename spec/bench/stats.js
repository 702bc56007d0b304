'use strict';
/**
 * Medians with a distribution-free interval. One run on a shared machine is noisy (about ±0.1 in
 * a throughput ratio), so every figure is the median of per-round values, and each comes with the
 * interval [x(k), x(n+1-k)] of the sorted rounds, which holds the true median with probability
 * 1 - 2·P(Binomial(n, 1/2) < k) whatever the noise looks like. k is the largest that keeps that
 * probability at 95% or more; below 6 rounds no k reaches it and the interval is min–max.
 */

function coverage(n, k) {
  let tail = 0;
  let choose = 1;
  for (let i = 0; i < k; i++) {
    tail += choose;
    choose = (choose * (n - i)) / (i + 1);
  }
  return 1 - (2 * tail) / 2 ** n;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `{ median, low, high, coverage }` of per-round values; coverage 0 means one round: no interval. */
function summarize(values) {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: NaN, low: NaN, high: NaN, coverage: 0, n };
  let k = 1;
  while (k + 1 <= n >> 1 && coverage(n, k + 1) >= 0.95) k++;
  return { median: median(sorted), low: sorted[k - 1], high: sorted[n - k], coverage: n > 1 ? coverage(n, k) : 0, n };
}

// Below this confidence (4 rounds or fewer) the benchmark reports figures but draws no conclusion.
const MIN_COVERAGE = 0.9;

/**
 * Whether a target holds: `atLeast` for throughput ratios, `atMost` for added CPU. The verdict is
 * drawn from the interval, not the median: a target the interval straddles is not concluded.
 */
function verdict(summary, target, direction) {
  if (summary.coverage < MIN_COVERAGE) {
    return { holds: undefined, text: `${summary.n} round(s) give no interval worth concluding from (run at least 5)` };
  }
  const { low, high } = summary;
  const good = direction === 'atLeast' ? low >= target : high <= target;
  const bad = direction === 'atLeast' ? high < target : low > target;
  if (good) return { holds: true, text: 'holds' };
  if (bad) return { holds: false, text: 'does not hold' };
  return { holds: undefined, text: 'interval too wide to conclude: it spans the target (run more rounds)' };
}

module.exports = { summarize, verdict, median, coverage };
