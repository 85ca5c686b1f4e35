// A program the smoke suite runs as its own process (argv: daemon | output): what only a whole program shows.

import { Process, Thread } from '../../dist/index.js';
import { nap, shout } from './tasks.ts';

const mode = process.argv[process.argv.length - 1];
if (mode === 'daemon') {
  // A daemon Thread and Process blocked for 30 s must not hold the program open, and the child dies with it.
  new Thread({ target: nap, daemon: true }).start();
  const child = new Process({ target: nap, daemon: true }).start();
  while (child.state === 'starting') await new Promise((resolve) => setTimeout(resolve, 5));
  console.log(`pid ${child.pid}`);
  if (process.argv.includes('wait')) setInterval(() => {}, 1 << 30);
} else if (mode === 'output') {
  for (const Ctor of [Thread, Process]) {
    const t = new Ctor({ target: shout, args: [Ctor.name] }).start();
    console.log(`result ${await t.result()}`);
  }
}
