// Raw child process for process-queue-op: a queue served by the parent over IPC. On { run: n } it times n
// pairs of a put (the item to the parent, which stores it and acknowledges) and a get (a request, answered
// with the item), one IPC round trip each, as a threadkit Queue passed to a Process costs; posts { samples }.
let reply;
process.on('message', async (m) => {
  if (m.run === undefined) return reply(m);
  const roundTrip = (message) =>
    new Promise((resolve) => {
      reply = resolve;
      process.send(message);
    });
  const samples = [];
  for (let i = 0; i < m.run; i++) {
    const t0 = process.hrtime.bigint();
    await roundTrip({ put: { id: i, name: `item-${i}` } });
    await roundTrip({ get: true });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  process.send({ samples });
});
process.send({ started: true });
