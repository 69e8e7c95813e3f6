/** `webrerank serve` — placeholder until the server lands (see src/server). */
export async function serve(_argv: string[]): Promise<number> {
  process.stderr.write('webrerank serve is not built yet.\n');
  return 1;
}
