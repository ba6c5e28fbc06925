// The settings the pods source needs; agent/settings.ts adds them to the agent's.

import type { SettingSpec } from '../../common/config/settings.ts';

export const podSettings: SettingSpec[] = [
  {
    key: 'agent.kubeconfig',
    type: 'string',
    env: 'LCS_KUBECONFIG',
    description:
      'kubeconfig file for the Kubernetes API (pods sources); without it the in-cluster service account is used when KUBERNETES_SERVICE_HOST is set, else the agent runs standalone',
  },
  {
    key: 'agent.podLogRoot',
    type: 'string',
    env: 'LCS_POD_LOG_ROOT',
    default: '/var/log/pods',
    description: "the kubelet's pod log directory (<root>/<namespace>_<pod>_<uid>/<container>/*.log)",
    check: (v) => {
      const s = String(v);
      if (!s.startsWith('/')) return 'must be an absolute path';
      return /[*?[\]{}()!+@\\]/.test(s) ? 'must not contain glob characters' : undefined;
    },
  },
  {
    key: 'agent.podGrace',
    type: 'duration',
    env: 'LCS_POD_GRACE',
    default: 60_000,
    description:
      "how long a finished or deleted pod's log files are still read, so its last lines are not lost",
  },
];
