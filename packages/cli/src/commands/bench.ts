const BENCHES: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  ingest: () => import('../../../../bench/ingest.ts'),
  packets: () => import('../../../../bench/packets.ts'),
  poc: () => import('../../../../bench/poc.ts'),
  rewards: () => import('../../../../bench/rewards.ts'),
  maps: () => import('../../../../bench/maps.ts'),
};

/** `hexlight bench <name>`: benchmarks print their figures and the baseline they compare with. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? BENCHES[name] : undefined;
  if (!load) {
    console.error(`usage: hexlight bench <${Object.keys(BENCHES).join('|')}> [options]`);
    return 2;
  }
  return (await load()).run(rest);
}
