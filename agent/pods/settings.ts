// The settings the pods source needs; agent/settings.ts adds them to the agent's.

import { setting, type SettingsOf } from '../../common/config/settings.ts';
import type { nodeSettings } from '../../common/config/common-settings.ts';

export const podSettings = {
  'agent.kubeconfig': setting.string({
    env: 'LCS_KUBECONFIG',
    description:
      'kubeconfig file for the Kubernetes API (pods sources); without it the in-cluster service account is used when KUBERNETES_SERVICE_HOST is set, else the agent runs standalone',
  }),
  'agent.podLogRoot': setting.string({
    env: 'LCS_POD_LOG_ROOT',
    default: '/var/log/pods',
    description: "the kubelet's pod log directory (<root>/<namespace>_<pod>_<uid>/<container>/*.log)",
    check: (s) => {
      if (!s.startsWith('/')) return 'must be an absolute path';
      return /[*?[\]{}()!+@\\]/.test(s) ? 'must not contain glob characters' : undefined;
    },
  }),
  'agent.podGrace': setting.duration({
    env: 'LCS_POD_GRACE',
    default: 60_000,
    description:
      "how long a finished or deleted pod's log files are still read, so its last lines are not lost",
  }),
};

/** What the pods source reads: its own settings and the node's name. */
export type PodSettings = SettingsOf<typeof podSettings & typeof nodeSettings>;
