// One-shot helpers for the console's users file: `lcs console-hash-password` reads a password
// on stdin and prints its scrypt hash; `lcs console-token <name>` makes a random bearer token
// and prints it with the users-file entry that holds its SHA-256.

import { randomBytes } from 'node:crypto';
import { hashPassword, sha256Hex } from './auth/password.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export async function hashPasswordTool(argv: string[]): Promise<number> {
  if (argv.length) {
    process.stderr.write(
      'usage: printf %s "$PASSWORD" | lcs console-hash-password\n(the password is read on stdin, never from an argument)\n',
    );
    return 2;
  }
  const password = await readStdin();
  if (password.length < 8) {
    process.stderr.write('lcs console-hash-password: the password on stdin must be at least 8 characters\n');
    return 2;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}

export async function tokenTool(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || argv.length > 1 || !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name)) {
    process.stderr.write('usage: lcs console-token <name>   (1-64 letters, digits or . _ @ -)\n');
    return 2;
  }
  const token = randomBytes(32).toString('base64url');
  process.stdout.write(
    `# the token (give it to the client; it is not stored anywhere):\n${token}\n` +
      `# add to the users file under tokens:, with the roles it needs:\n` +
      `- name: ${name}\n  sha256: ${sha256Hex(token)}\n  roles:\n    - { prefix: /lcs/v1/collect/adhoc/, role: editor }\n`,
  );
  return 0;
}
