// LCS needs Node.js 24: it runs its TypeScript sources by type stripping and uses Node 24's
// runtime (fs.glob, Promise.withResolvers, --disable-warning, the V8 flags the agent runs
// with). An older Node fails in confusing places, so every entry point checks first. This
// module imports nothing, so it runs before anything that an older Node could not load.

export const MIN_NODE_MAJOR = 24;

/** A message saying what to do when `version` (process.versions.node) is too old, else undefined. */
export function nodeVersionProblem(version: string, execPath = ''): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? NaN);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return (
    `LCS needs Node.js ${MIN_NODE_MAJOR} or newer; this is Node.js ${version}${execPath ? ` (${execPath})` : ''}. ` +
    `Put Node.js ${MIN_NODE_MAJOR} on PATH or set LCS_NODE to its node binary ` +
    `(in a clone, any npm script installs one into .lcs/toolchain).`
  );
}
