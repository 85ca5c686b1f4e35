// The "other process" of the distributed cancel metric: a second DistributedExecutor client of the same
// queue. argv: <redis url> <queue>. On { cancel: id } it notes the time (process.hrtime.bigint(), one
// clock with its parent's on Linux), calls executor.future(id).cancel() and answers { at }. 'close'
// shuts the client down and the process exits.
import { DistributedExecutor } from 'threadkit/distributed';

const [connection, queue] = process.argv.slice(2);
const executor = new DistributedExecutor({ queue, connection });
// The IPC channel holds this process open once it has a listener (an idle client holds nothing).
process.on('message', (m) => {
  if (m === 'close') void executor.shutdown().then(() => process.disconnect());
  else if (m && typeof m === 'object' && 'cancel' in m) {
    const at = process.hrtime.bigint();
    executor.future(m.cancel).cancel('cancelled by the bench from another process');
    process.send({ at: String(at) });
  }
});
await executor.queueCounts(); // connected before the first cancel
process.send({ ready: true });
