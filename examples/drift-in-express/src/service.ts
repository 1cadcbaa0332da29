import express from 'express';
import type { Express } from 'express';
import type { Table } from 'apache-arrow';
import { createDriftMonitor, createRetrainTrigger, toPrometheus } from '@mlops/drift';

/** Options of the prediction service. */
export interface ServiceOptions {
  /** The model's training data. */
  reference: Table;
  /** Where the retraining pipeline listens. */
  retrainWebhookUrl: string;
}

/** The prediction service with drift monitoring: a churn score per request. */
export function createService(options: ServiceOptions): { app: Express; close(): Promise<void> } {
  const trigger = createRetrainTrigger({ when: { driftShare: 0.3, consecutiveWindows: 2 }, cooldownMs: 3_600_000, action: { url: options.retrainWebhookUrl } });
  const monitor = createDriftMonitor({ reference: options.reference, window: { rows: 200 }, onReport: trigger.onReport });
  const app = express();
  app.use(express.json());
  let predictions = 0;
  app.post('/predict', (req, res) => {
    const { age, income, plan } = req.body as { age: number; income: number; plan: string };
    monitor.observe(req.body as Record<string, unknown>);
    const z = 0.03 * (age - 40) - 0.02 * (income - 60) + (plan === 'free' ? 0.8 : -0.4);
    predictions++;
    res.json({ churn: 1 / (1 + Math.exp(-z)) });
  });
  app.get('/metrics', (_req, res) => {
    const own = `# HELP churn_predictions_total Predictions served.\n# TYPE churn_predictions_total counter\nchurn_predictions_total ${predictions}\n`;
    res.type('text/plain; version=0.0.4').send(own + toPrometheus(monitor, { labels: { model: 'churn' } }));
  });
  return { app, close: () => monitor.close() };
}
