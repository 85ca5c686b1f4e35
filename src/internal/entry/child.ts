// Entry point inside a child process: runs the target in a worker thread and relays to the parent over IPC.

import { describe } from '../../errors.js';
import type { BootData } from '../bootstrap.js';
import type { FromChild, ToThread } from '../protocol.js';
import { serializeThrown } from '../serialize.js';
import type { LaunchSpec, Transport } from '../transport/transport.js';
import { startWorker } from '../transport/worker.js';
import { writeOutput } from '../output.js';

/** Called by the bootstrap: waits for the start message, then runs the thread. */
export async function main(boot: BootData & { resourceLimits: LaunchSpec['resourceLimits'] }): Promise<void> {
  const send = (message: FromChild, then?: () => void) => {
    if (process.connected) process.send!(message, undefined, {}, () => then?.());
    else then?.();
  };
  let transport: Transport | undefined;
  let leaving = false;
  /** Ends this child: once the thread is gone, or at once when there is none. */
  const leave = () => {
    if (leaving) return;
    leaving = true;
    if (transport === undefined) process.exit(0);
    transport.terminate();
  };
  // The parent is gone (exited, crashed, SIGKILLed): a child never outlives it.
  process.on('disconnect', () => process.exit(0));
  // terminate(): stop the thread, keeping what it wrote, then exit.
  process.on('SIGTERM', leave);

  process.on('message', (message: ToThread) => {
    switch (message.kind) {
      case 'start': {
        if (transport !== undefined || leaving) return;
        const spec: LaunchSpec = {
          target: message.target,
          args: message.args,
          info: { ...message.info, ident: process.pid },
          daemon: false,
          resourceLimits: boot.resourceLimits,
          preloads: boot.preloads,
        };
        try {
          transport = startWorker(spec, {
            message(fromThread) {
              if (fromThread.kind === 'output') writeOutput(fromThread.stream, fromThread.chunk);
              else send(fromThread);
            },
            exit(info) {
              const error = info.error === undefined ? undefined : serializeThrown(info.error);
              send({ kind: 'gone', exitCode: info.exitCode, error }, () => process.exit(0));
            },
          });
        } catch (error) {
          send({ kind: 'gone', exitCode: null, error: serializeThrown(new Error(describe(error))) }, () => process.exit(0));
        }
        return;
      }
      case 'cancel':
        transport?.cancel(message.reason);
        return;
    }
  });
}
