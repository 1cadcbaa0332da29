import { seededRandom } from '@mlops/contracts';

/** The features the churn model reads, in input order. */
export const FEATURES = ['user_age', 'tenure_months', 'monthly_charges', 'support_calls'] as const;
/** Feature view name in the feature store. */
export const VIEW = 'customer_profile';
const DAY_MS = 86_400_000;

/** Feature snapshots: one row per user per snapshot time (the offline source of the feature view). */
export interface FeatureRows {
  user_id: bigint[];
  event_timestamp: number[];
  user_age: number[];
  tenure_months: number[];
  monthly_charges: number[];
  support_calls: number[];
}

/** Label rows: who churned, and when that was known (the entity rows of the training set). */
export interface LabelRows {
  user_id: bigint[];
  event_timestamp: number[];
  churned: number[];
}

/** The churn probability the data is generated from; `ageYears` is the age in years whatever the column holds. */
export function trueChurnLogit(ageYears: number, tenure: number, charges: number, calls: number): number {
  return -0.6 - 0.05 * (ageYears - 42) - 0.045 * tenure + 0.03 * (charges - 70) + 0.45 * calls;
}

/**
 * A seeded credit/churn-like population: `users` customers with three monthly feature snapshots
 * starting at `t0`, and one label per user at a random time after its first snapshot. Labels
 * follow the feature values as of the label time, so a training set joined point-in-time
 * correctly learns them and a join that peeks at later snapshots does not.
 */
export function generateDataset(options: { users: number; t0: number; seed: number; firstUserId?: number; ageInMonths?: boolean }): { features: FeatureRows; labels: LabelRows } {
  const rnd = seededRandom(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const features: FeatureRows = { user_id: [], event_timestamp: [], user_age: [], tenure_months: [], monthly_charges: [], support_calls: [] };
  const labels: LabelRows = { user_id: [], event_timestamp: [], churned: [] };
  const first = options.firstUserId ?? 1;
  for (let u = 0; u < options.users; u++) {
    const id = BigInt(first + u);
    const age = Math.min(85, Math.max(18, 42 + 12 * normal()));
    let tenure = Math.floor(rnd() * 60);
    let charges = Math.max(20, 70 + 20 * normal());
    const snapshots: { t: number; age: number; tenure: number; charges: number; calls: number }[] = [];
    for (let s = 0; s < 3; s++) {
      const t = options.t0 + s * 30 * DAY_MS + Math.floor(rnd() * DAY_MS);
      const calls = Math.floor(-Math.log(1 - rnd()) * 1.2);
      snapshots.push({ t, age: age + s / 12, tenure, charges, calls });
      features.user_id.push(id);
      features.event_timestamp.push(t);
      features.user_age.push(options.ageInMonths ? Math.round((age + s / 12) * 12) : Math.round((age + s / 12) * 10) / 10);
      features.tenure_months.push(tenure);
      features.monthly_charges.push(Math.round(charges * 100) / 100);
      features.support_calls.push(calls);
      tenure += 1;
      charges = Math.max(20, charges + 5 * normal());
    }
    // The label is observed some time after the first snapshot; it depends on the snapshot in force then.
    const labelTime = snapshots[0]!.t + Math.floor(rnd() * 85 * DAY_MS) + DAY_MS;
    const current = [...snapshots].reverse().find((s) => s.t <= labelTime)!;
    const p = 1 / (1 + Math.exp(-trueChurnLogit(current.age, current.tenure, current.charges, current.calls)));
    labels.user_id.push(id);
    labels.event_timestamp.push(labelTime);
    labels.churned.push(rnd() < p ? 1 : 0);
  }
  return { features, labels };
}
