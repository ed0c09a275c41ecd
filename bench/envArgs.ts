/** A benchmark's repeatable `--env KEY=VALUE` options as the server's extra settings; `usage` reports one that is not. */
export function envArgs(values: readonly string[], usage: (message: string) => never): Record<string, string> {
  return Object.fromEntries(
    values.map((kv) => {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/s.exec(kv);
      return m ? [m[1]!, m[2]!] : usage(`--env takes KEY=VALUE, not ${JSON.stringify(kv)}`);
    }),
  );
}
