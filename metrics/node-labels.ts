// Node labels as tags (metrics.nodeLabels, off by default): read once at start-up from the
// Kubernetes API with the pod's service account (get on nodes). Outside Kubernetes, or when
// the call fails, there are no extra tags and a warning says why: host points still flow.

import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { Logger } from '../common/observe/logger.ts';
import { describeError } from '../common/errors.ts';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The wanted labels of a Node object as tags (pure). */
export function labelTags(
  node: { metadata?: { labels?: Record<string, string> } },
  wanted: string[],
): Record<string, string> {
  const labels = node.metadata?.labels ?? {};
  return Object.fromEntries(wanted.filter((k) => labels[k]).map((k) => [k, labels[k]!]));
}

export async function fetchNodeLabelTags(
  node: string,
  wanted: string[],
  env: Record<string, string | undefined>,
  logger: Logger,
): Promise<Record<string, string>> {
  if (!wanted.length) return {};
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) {
    logger.warn('metrics.nodeLabels is set but this is not a Kubernetes pod; no label tags');
    return {};
  }
  try {
    const [token, ca] = await Promise.all([readFile(`${SA}/token`, 'utf8'), readFile(`${SA}/ca.crt`)]);
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.get(
        {
          host,
          port: Number(env.KUBERNETES_SERVICE_PORT ?? 443),
          path: `/api/v1/nodes/${encodeURIComponent(node)}`,
          headers: { authorization: `Bearer ${token.trim()}` },
          ca,
          timeout: 10_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(text)
              : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
    return labelTags(JSON.parse(body) as never, wanted);
  } catch (err) {
    logger.warn('cannot read node labels; no label tags', { node, error: describeError(err) });
    return {};
  }
}
