// Raw child process for the process metrics: reports when it runs, answers each 'ping' with the time it
// arrived (one IPC hop), sends any other message back as it came (a round trip), and then idles or spins
// as argv[2] says.
process.send({ started: String(process.hrtime.bigint()) });
process.on('message', (m) => {
  if (m === 'ping') process.send({ woken: String(process.hrtime.bigint()) });
  else if (m === 'exit') process.disconnect();
  else process.send(m);
});
if (process.argv[2] === 'spin') for (;;);
