// The kube service's PKI, made with openssl once per state dir: a CA, the API server's serving
// certificate, one client certificate per identity (admin, controller-manager, scheduler,
// kwok), and the key pair that signs and verifies service-account tokens.
import fs from 'node:fs';
import path from 'node:path';
import { lastLines, runCommand } from './command.ts';
import { ServiceError } from './errors.ts';

export interface ClientIdentity {
  /** File stem: <name>.crt / <name>.key / <name>.kubeconfig. */
  name: string;
  /** The user name RBAC sees. */
  cn: string;
  /** Groups (O=), e.g. system:masters for the admin. */
  groups: readonly string[];
}

/** Who talks to the API server with a certificate; everything else uses service-account tokens. */
export const CLIENTS: readonly ClientIdentity[] = [
  { name: 'admin', cn: 'lcs-admin', groups: ['system:masters'] },
  { name: 'controller-manager', cn: 'system:kube-controller-manager', groups: [] },
  { name: 'scheduler', cn: 'system:kube-scheduler', groups: [] },
  // kwok plays every fake node's kubelet, so it needs more than one node's rights.
  { name: 'kwok', cn: 'lcs-kwok', groups: ['system:masters'] },
];

/** The in-cluster names and the first service IP, as kubeadm puts them in the serving cert. */
export const SERVICE_CIDR = '10.96.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const SERVING_SANS = [
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
  'IP:127.0.0.1',
  `IP:${KUBERNETES_SERVICE_IP}`,
];

/** An openssl -subj string; `/` inside a value would end the field, so names may not hold one. */
export function subject(cn: string, groups: readonly string[] = []): string {
  for (const v of [cn, ...groups]) {
    if (v.includes('/')) throw new ServiceError('bad-config', `certificate name "${v}" contains '/'`);
  }
  return [...groups.map((g) => `/O=${g}`), `/CN=${cn}`].join('');
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  const r = await runCommand('openssl', args, { cwd });
  if (r.code !== 0) {
    throw new ServiceError(
      'start-failed',
      `openssl ${args.slice(0, 2).join(' ')} failed in ${cwd}:\n${lastLines(r.stdout + r.stderr, 15)}`,
    );
  }
}

const DAYS = '3650';

async function signed(dir: string, name: string, subj: string, extensions: string): Promise<void> {
  await openssl(['genrsa', '-out', `${name}.key`, '2048'], dir);
  await openssl(['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      DAYS,
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
  fs.rmSync(path.join(dir, `${name}.csr`));
  fs.rmSync(path.join(dir, `${name}.ext`));
}

/** Creates whatever of the PKI is missing in `dir`; a complete one is left alone. */
export async function ensurePki(dir: string): Promise<void> {
  const done = path.join(dir, '.complete');
  if (fs.existsSync(done)) return;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  await openssl(['genrsa', '-out', 'ca.key', '2048'], dir);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=lcs-local-kube-ca',
      '-days',
      DAYS,
      '-out',
      'ca.crt',
    ],
    dir,
  );
  await signed(
    dir,
    'apiserver',
    subject('kube-apiserver'),
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${SERVING_SANS.join(',')}\n`,
  );
  for (const c of CLIENTS) {
    await signed(
      dir,
      c.name,
      subject(c.cn, c.groups),
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    );
  }
  await openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  await openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  fs.writeFileSync(done, '');
}

/** A kubeconfig for one client certificate, with absolute paths so it can be used from anywhere. */
export function renderKubeconfig(server: string, pkiDir: string, client: string): string {
  return `# Written by LCS deploy/local/kube.ts.
apiVersion: v1
kind: Config
clusters:
- name: lcs-local
  cluster:
    server: ${server}
    certificate-authority: ${path.join(pkiDir, 'ca.crt')}
users:
- name: ${client}
  user:
    client-certificate: ${path.join(pkiDir, `${client}.crt`)}
    client-key: ${path.join(pkiDir, `${client}.key`)}
contexts:
- name: lcs-local
  context:
    cluster: lcs-local
    user: ${client}
current-context: lcs-local
`;
}
